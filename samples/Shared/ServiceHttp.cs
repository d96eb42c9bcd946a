using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace MpcSortition.Samples;

/// <summary>What <see cref="ServiceHttp.ReadJsonBodyAsync"/> found wrong with a request body.</summary>
internal enum BodyProblem
{
    /// <summary>The body was read.</summary>
    None,

    /// <summary>The body is not declared as JSON.</summary>
    UnsupportedMediaType,

    /// <summary>The body is larger than the endpoint allows.</summary>
    TooLarge,
}

/// <summary>
/// The HTTP plumbing both sample services share (compiled into the provider and the ballot counter): the operator's
/// bearer token, a size-bounded JSON body, the error shape <c>{"error":{"code","message"}}</c> and the receipt shape.
/// </summary>
internal static class ServiceHttp
{
    /// <summary>Whether the request carries the operator's bearer token: its SHA-256 compared in constant time with the
    /// configured hash (the token itself is never stored).</summary>
    public static bool Authorised(HttpContext http, byte[] tokenSha256)
    {
        string? header = http.Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return false;
        }

        byte[] presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[7..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, tokenSha256);
    }

    /// <summary>Reads a JSON body of at most <paramref name="limit"/> bytes, whether or not the client declared its
    /// length; a body over the limit is refused without being kept.</summary>
    public static async Task<(byte[]? Body, BodyProblem Problem)> ReadJsonBodyAsync(HttpContext ctx, long limit)
    {
        string? type = ctx.Request.ContentType;
        if (type is null || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, BodyProblem.UnsupportedMediaType);
        }

        if (ctx.Request.ContentLength > limit)
        {
            return (null, BodyProblem.TooLarge);
        }

        var buffer = new MemoryStream();
        try
        {
            await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            return (null, BodyProblem.TooLarge);
        }

        return buffer.Length > limit ? (null, BodyProblem.TooLarge) : (buffer.ToArray(), BodyProblem.None);
    }

    /// <summary>Writes <c>{"error":{"code","message"}}</c> with the status.</summary>
    public static async Task WriteErrorAsync(HttpContext ctx, int status, string code, string message, JsonSerializerOptions json)
    {
        ctx.Response.StatusCode = status;
        await ctx.Response.WriteAsJsonAsync(new { error = new { code, message } }, json);
    }

    /// <summary>Writes <c>{"receipt": …}</c> around the signed receipt's JSON bytes.</summary>
    public static async Task WriteReceiptAsync(HttpContext ctx, byte[] receipt)
    {
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync("{\"receipt\":"u8.ToArray());
        await ctx.Response.Body.WriteAsync(receipt);
        await ctx.Response.Body.WriteAsync("}"u8.ToArray());
    }
}
