using System.Security.Cryptography;
using System.Text;
using MpcSortition.Selection.Verification;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// <see cref="RunLog.Read"/> on logs written by hand in the documented format (docs/verification.md): each line is
/// hex(SHA-256(previous ‖ entry)) and the entry's JSON, the first "previous" being SHA-256("MpcSortition.run-log.v1" ‖
/// round id). An auditor's reader must accept a well-formed log and refuse every damaged one with the problem named —
/// including a log whose hash chain is intact but whose entries are not what their lines claim.
/// </summary>
public sealed class RunLogFormatTests
{
    private static readonly byte[] RoundId = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();

    [Fact]
    public void A_well_formed_log_is_read_entry_by_entry_and_an_empty_one_has_no_entries()
    {
        RunLog log = Read(Chain(Entry(1, "start"), Entry(2, "agreed")));
        Assert.Equal([1, 2], log.Entries.Select(e => e.Seq));
        Assert.Equal(["start", "agreed"], log.Entries.Select(e => e.Kind));
        Assert.Empty(Read(string.Empty).Entries);
    }

    [Fact]
    public void An_entry_whose_number_is_not_its_line_is_refused_even_with_an_intact_chain()
    {
        VerificationException e = Refused(Chain(Entry(1, "start"), Entry(5, "agreed")));
        Assert.Equal(VerificationProblem.Malformed, e.Problem);
        Assert.Contains("Line 2 of the run log is not entry 2", e.Message);
    }

    [Fact]
    public void A_line_whose_entry_is_not_json_is_refused_even_with_an_intact_chain()
    {
        VerificationException e = Refused(Chain(Entry(1, "start"), "not json"));
        Assert.Equal(VerificationProblem.Malformed, e.Problem);
        Assert.Contains("Line 2 of the run log is not entry 2", e.Message);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef ")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefx{}")]
    [InlineData("zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef {}")]
    public void A_line_that_is_not_a_hash_a_space_and_an_entry_is_malformed(string line)
    {
        VerificationException e = Refused(line + "\n");
        Assert.Equal(VerificationProblem.Malformed, e.Problem);
        Assert.Contains("Line 1 of the run log is not '<64 hex digits> <entry>'", e.Message);
    }

    [Fact]
    public void An_edited_entry_breaks_the_chain_and_a_missing_last_newline_is_a_truncation()
    {
        string good = Chain(Entry(1, "start"), Entry(2, "agreed"));
        VerificationException edited = Refused(good.Replace("\"agreed\"", "\"failed\"", StringComparison.Ordinal));
        Assert.Equal(VerificationProblem.LogTampered, edited.Problem);
        Assert.Contains("breaks at line 2", edited.Message);
        Assert.Equal(VerificationProblem.LogTruncated, Refused(good[..^1]).Problem);
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_a_malformed_log_not_a_decoder_exception()
    {
        byte[] bytes = [.. Encoding.UTF8.GetBytes(Chain(Entry(1, "start"))), 0xFF, 0xFE, (byte)'\n'];
        VerificationException e = Assert.Throws<VerificationException>(() => RunLog.Read(new MemoryStream(bytes), RoundId));
        Assert.Equal(VerificationProblem.Malformed, e.Problem);
        Assert.Contains("not UTF-8", e.Message);
    }

    [Fact]
    public void A_round_id_of_the_wrong_length_is_refused_by_name()
    {
        Assert.Equal("roundId", Assert.Throws<ArgumentException>(() => RunLog.Read(new MemoryStream(), new byte[15])).ParamName);
        Assert.Equal("stream", Assert.Throws<ArgumentNullException>(() => RunLog.Read(null!, RoundId)).ParamName);
    }

    private static string Entry(int seq, string kind) => $"{{\"seq\":{seq},\"time\":\"2026-11-30T06:00:00Z\",\"kind\":\"{kind}\",\"run\":1}}";

    /// <summary>The documented chain, computed here independently of <see cref="RunLog"/>.</summary>
    private static string Chain(params string[] bodies)
    {
        byte[] previous = SHA256.HashData([.. "MpcSortition.run-log.v1"u8, .. RoundId]);
        var text = new StringBuilder();
        foreach (string body in bodies)
        {
            previous = SHA256.HashData([.. previous, .. Encoding.UTF8.GetBytes(body)]);
            text.Append(Convert.ToHexString(previous)).Append(' ').Append(body).Append('\n');
        }

        return text.ToString();
    }

    private static RunLog Read(string text) => RunLog.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), RoundId);

    private static VerificationException Refused(string text) => Assert.Throws<VerificationException>(() => Read(text));
}
