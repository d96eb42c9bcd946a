using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Verification;

namespace MpcSortition.Cli;

/// <summary>
/// <c>audit</c>: checks the evidence of a run (<c>evidence.json</c>) against the round file and the three pinned
/// certificates; with <c>--logs</c> also the providers' run logs; with <c>--replay</c> and the three share files (a
/// trusted auditor only) it reruns the plaintext reference on the reconstructed pool with the opened tape.
/// </summary>
internal static class AuditCommand
{
    /// <summary>Exit code when a check fails.</summary>
    internal const int Failed = 6;

    internal static Command Create()
    {
        var round = new Option<string>("--round") { Description = "The round file (round.json).", Required = true };
        var evidence = new Option<string>("--evidence") { Description = "A provider's evidence.json (the analyser's also opens the panel commitment).", Required = true };
        var peerCerts = new Option<string>("--peer-certs") { Description = "The pinned public certificates (.cer) of providers 0,1,2, comma-separated.", Required = true };
        var logs = new Option<string?>("--logs") { Description = "The providers' run logs (run-log-<round>.jsonl) in party order, comma-separated; an empty entry skips one." };
        var replay = new Option<bool>("--replay") { Description = "TRUSTED AUDITOR ONLY: reconstruct the pool from the three share files (--shares) and rerun the plaintext reference with the opened tape." };
        var shares = new Option<string?>("--shares") { Description = "With --replay: the share files of providers 0,1,2, comma-separated." };
        var command = new Command("audit", "Check a run's evidence: signatures against the pinned certificates, the opened tape contributions against their commitments, that the providers' transcripts agree on every message they exchanged, the panel against its commitment, and optionally the run logs and a replay. Exit codes: 0 every check passed, 6 a check failed, 2 bad input.")
        {
            round, evidence, peerCerts, logs, replay, shares,
        };
        command.SetAction(parse => Run(parse.GetValue(round)!, parse.GetValue(evidence)!, parse.GetValue(peerCerts)!, parse.GetValue(logs), parse.GetValue(replay), parse.GetValue(shares)));
        return command;
    }

    private static int Run(string roundPath, string evidencePath, string certList, string? logList, bool replay, string? shareList)
    {
        string[] certPaths = certList.Split(',', StringSplitOptions.TrimEntries);
        string[]? logPaths = logList?.Split(',', StringSplitOptions.TrimEntries);
        string[]? sharePaths = shareList?.Split(',', StringSplitOptions.TrimEntries);
        if (certPaths.Length != ProviderRun.Parties || (logPaths is not null && logPaths.Length != ProviderRun.Parties))
        {
            return Cli.Fail(2, "give three --peer-certs (and three --logs, empty entries allowed) in party order.");
        }

        if (replay != (sharePaths is not null) || (sharePaths is not null && sharePaths.Length != ProviderRun.Parties))
        {
            return Cli.Fail(2, "--replay needs --shares with the three share files in party order, and --shares needs --replay.");
        }

        var certificates = new List<X509Certificate2>();
        string file = roundPath;
        try
        {
            RoundDefinition round;
            using (FileStream f = File.OpenRead(roundPath))
            {
                round = RoundDefinition.Load(f);
            }

            file = evidencePath;
            RunEvidence evidence;
            using (FileStream f = File.OpenRead(evidencePath))
            {
                evidence = RunEvidence.Load(f);
            }

            foreach (string c in certPaths)
            {
                file = c;
                certificates.Add(X509CertificateLoader.LoadCertificateFromFile(c));
            }

            var runLogs = new RunLog?[ProviderRun.Parties];
            var logProblems = new List<string>();
            for (int p = 0; p < (logPaths?.Length ?? 0); p++)
            {
                if (logPaths![p].Length == 0)
                {
                    continue;
                }

                file = logPaths[p];
                try
                {
                    using FileStream f = File.OpenRead(logPaths[p]);
                    runLogs[p] = RunLog.Read(f, Convert.FromHexString(round.RoundId));
                }
                catch (VerificationException e)
                {
                    logProblems.Add($"provider {p}'s run log {logPaths[p]}: {e.Message}");
                }
            }

            AuditReport report;
            if (replay)
            {
                var all = new ReadOnlyMemory<uint>[ProviderRun.Parties];
                for (int p = 0; p < all.Length; p++)
                {
                    file = sharePaths![p];
                    using FileStream f = File.OpenRead(sharePaths[p]);
                    all[p] = ShareFile.Read(f, round, p);
                }

                file = evidencePath;
                report = RunAudit.Replay(round, evidence, certificates, all, runLogs);
            }
            else
            {
                report = RunAudit.Check(round, evidence, certificates, runLogs);
            }

            Console.WriteLine($"Audit of round {round.RoundId}, run {evidence.Transcripts[0].Transcript.Run}:");
            foreach (string ok in report.Passed)
            {
                Console.WriteLine($"  ok: {Cli.Clean(ok)}");
            }

            foreach (string problem in logProblems)
            {
                Console.WriteLine($"  FAILED: {Cli.Clean(problem)}");
            }

            foreach (AuditFinding finding in report.Findings)
            {
                Console.WriteLine($"  FAILED ({finding.Problem}): {Cli.Clean(finding.Message)}");
            }

            int failed = report.Findings.Count + logProblems.Count;
            Console.WriteLine(failed == 0 ? $"Audit passed: {report.Passed.Count} checks." : $"Audit FAILED: {failed} problem(s), {report.Passed.Count} checks passed.");
            return failed == 0 ? 0 : Failed;
        }
        catch (ProviderFileException e)
        {
            return Cli.Fail(2, $"{file}: {e.Message}");
        }
        catch (VerificationException e)
        {
            return Cli.Fail(e.Problem == VerificationProblem.Malformed ? 2 : Failed, $"{file}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            return Cli.Fail(2, $"cannot read {file}: {e.Message}");
        }
        finally
        {
            certificates.ForEach(c => c.Dispose());
        }
    }
}

/// <summary><c>verify-receipt</c>: checks that a volunteer's submission is under a provider's published, signed root.</summary>
internal static class VerifyReceiptCommand
{
    internal static Command Create()
    {
        var receipt = new Option<string>("--receipt") { Description = "The volunteer's receipt (JSON from the intake).", Required = true };
        var root = new Option<string>("--root") { Description = "The signed root the provider published at close (JSON).", Required = true };
        var cert = new Option<string>("--cert") { Description = "That provider's pinned public certificate (.cer).", Required = true };
        var command = new Command("verify-receipt", "Check that a submission is among the accepted submissions under a provider's signed root. Exit codes: 0 it is, 6 it is not (or the root's signature is bad), 2 bad input.")
        {
            receipt, root, cert,
        };
        command.SetAction(parse =>
        {
            string file = parse.GetValue(receipt)!;
            try
            {
                SubmissionReceipt r = SubmissionReceipt.Parse(File.ReadAllText(file));
                file = parse.GetValue(root)!;
                SignedRoot signed = SignedRoot.Parse(File.ReadAllText(file));
                file = parse.GetValue(cert)!;
                using X509Certificate2 certificate = X509CertificateLoader.LoadCertificateFromFile(file);
                SubmissionTree.VerifyReceipt(r, signed, certificate);
                Console.WriteLine($"ok: submission {Cli.Clean(r.SubmissionId)} is under provider {signed.Party}'s signed root of {signed.TreeSize} accepted submissions (round {Cli.Clean(signed.RoundId)}, closed {Cli.Clean(signed.ClosedUtc)}).");
                return 0;
            }
            catch (VerificationException e) when (e.Problem != VerificationProblem.Malformed)
            {
                Console.WriteLine($"FAILED ({e.Problem}): {Cli.Clean(e.Message)}");
                return AuditCommand.Failed;
            }
            catch (VerificationException e)
            {
                return Cli.Fail(2, $"{file}: {e.Message}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                return Cli.Fail(2, $"cannot read {file}: {e.Message}");
            }
        });
        return command;
    }
}
