using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MpcSortition.Cli;

/// <summary>
/// The password of the providers' <c>.pfx</c> files: from the environment variable <see cref="Variable"/>, or asked on
/// the terminal (without echo) when one is attached. Never taken from the command line (other users can read it there).
/// </summary>
internal static class PfxPassword
{
    internal const string Variable = "MPCSORTITION_PFX_PASSWORD";

    /// <summary>The password, or null with the error to print.</summary>
    internal static string? Get(string purpose, out string? error)
    {
        error = null;
        string? password = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(password))
        {
            return password;
        }

        if (Console.IsInputRedirected)
        {
            error = $"the .pfx files are password-protected: set {Variable}, or run on a terminal to be asked for the password.";
            return null;
        }

        Console.Error.Write($"Password {purpose}: ");
        var typed = new StringBuilder();
        while (true)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (typed.Length > 0)
                {
                    typed.Length--;
                }

                continue;
            }

            if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        if (typed.Length == 0)
        {
            error = "the .pfx password must not be empty.";
            return null;
        }

        return typed.ToString();
    }

    /// <summary>A fresh random password for certificates that one process makes for its own children (quick start).</summary>
    internal static string CreateRandom() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    /// <summary>Opens a password-protected .pfx; the message of a wrong password says so.</summary>
    /// <exception cref="CryptographicException">Wrong password or not a PKCS#12 file (message names the file).</exception>
    internal static X509Certificate2 Load(string path, string password)
    {
        try
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (CryptographicException e)
        {
            throw new CryptographicException($"cannot open the private certificate {path}: wrong password ({Variable}) or not a PKCS#12 file ({e.Message})", e);
        }
    }
}
