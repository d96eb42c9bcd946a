using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Provider;

/// <summary>What the analyser (provider 0) gets from a demonstration draw.</summary>
/// <param name="PoolHashes">The reconciled pool's code hashes, in pool order.</param>
/// <param name="Malformed">The code hashes of the rows the MPC check found malformed (excluded).</param>
/// <param name="PanelHashes">The panel members' code hashes.</param>
/// <param name="PanelContacts">The panel members' contact fields, in the order of <paramref name="PanelHashes"/>.</param>
/// <param name="Composition">Selected count per answer, in row order.</param>
/// <param name="Seed">The public test seed of the tape.</param>
/// <param name="RunHistory">The run log's sentence for this run ("run 1 of round …").</param>
/// <param name="SubmissionRoot">The signed root of the accepted submissions (the same at all three providers).</param>
/// <param name="Signatures">The three providers' signatures over their run transcripts (hex, party order).</param>
/// <param name="Evidence">The evidence file (the three signed transcripts) in each provider's data directory.</param>
internal sealed record DrawOutcome(string[] PoolHashes, string[] Malformed, string[] PanelHashes, string[][] PanelContacts, int[] Composition, byte[] Seed,
    string RunHistory = "", string SubmissionRoot = "", string[]? Signatures = null, string Evidence = "");

/// <summary>
/// A demonstration draw after the sign-up, through the three provider services as their operators would run it: each
/// operator closes its sign-up and starts <c>POST /operator/select</c> at its own provider (with the round's committed
/// public test tape and the composition opened); the three services reconcile, check the rows under MPC, select and
/// open the panel's contacts to the analyser between themselves over mutual TLS. Only the analyser's result is read
/// (and provider 0's export for the pool order, which holds its own shares only).
/// </summary>
internal static class DemoDraw
{
    public static async Task<DrawOutcome> RunAsync(SignupRound round, IReadOnlyList<HttpClient> operators, byte[] seed, CancellationToken cancellationToken = default)
    {
        foreach (HttpClient op in operators)
        {
            await Send(op, HttpMethod.Post, "/operator/close", "{}", cancellationToken);
        }

        string request = $"{{\"testSeed\":\"{Convert.ToHexStringLower(seed)}\",\"revealComposition\":true}}";
        string[] results = await Task.WhenAll(operators.Select(op => Send(op, HttpMethod.Post, "/operator/select", request, cancellationToken)));
        using JsonDocument analyser = JsonDocument.Parse(results[0]);
        JsonElement r = analyser.RootElement;
        using JsonDocument export = JsonDocument.Parse(await Send(operators[0], HttpMethod.Get, "/operator/export", null, cancellationToken));
        string[] pool = [.. export.RootElement.GetProperty("rows").EnumerateArray().Select(e => e.GetProperty("codeHash").GetString()!)];
        JsonElement[] panel = [.. r.GetProperty("panel").EnumerateArray()];
        return new DrawOutcome(
            pool,
            [.. r.GetProperty("excluded").GetProperty("codeHashes").EnumerateArray().Select(e => e.GetString()!)],
            [.. panel.Select(m => m.GetProperty("codeHash").GetString()!)],
            [.. panel.Select(m => round.ContactFields.Select(f => m.GetProperty(f.Name).GetString()!).ToArray())],
            [.. r.GetProperty("quotas").EnumerateArray().Select(q => q.GetProperty("selected").GetInt32())],
            seed,
            r.GetProperty("runHistory").GetString()!,
            r.GetProperty("submissionRoot").GetProperty("root").GetString()!,
            [.. r.GetProperty("signatures").EnumerateArray().Select(e => e.GetString()!)],
            r.GetProperty("evidence").GetString()!);
    }

    /// <summary>The analyser's report: one self-contained HTML file (inline CSS, no script, nothing fetched).</summary>
    public static string ReportHtml(SignupRound round, DrawOutcome outcome)
    {
        static string H(string s) => WebUtility.HtmlEncode(s);
        var b = new StringBuilder();
        b.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Analyser's report: ")
            .Append(H(round.Title)).Append("</title>\n<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#1b1b1b}")
            .Append("table{border-collapse:collapse;margin:0.5rem 0 1.5rem}th,td{border:1px solid #767676;padding:0.25rem 0.6rem;text-align:left}")
            .Append("td.n{text-align:right}.bad{color:#a4001d;font-weight:600}code{font-size:0.9em}</style></head><body>\n");
        b.Append("<h1>Analyser's report</h1>\n<p>").Append(H(round.Title)).Append(" — round <code>").Append(round.RoundId).Append("</code>, panel size ")
            .Append(round.PanelSize.ToString(CultureInfo.InvariantCulture)).Append(".</p>\n");
        b.Append(CultureInfo.InvariantCulture, $"<p>Pool after reconciliation: {outcome.PoolHashes.Length} volunteers; malformed rows excluded by the MPC check: {outcome.Malformed.Length}. ")
            .Append("Tape: public test seed <code>").Append(Convert.ToHexStringLower(outcome.Seed)).Append("</code> (for demonstrations only: a real draw uses joint randomness).</p>\n");
        b.Append("<p>").Append(H(outcome.RunHistory)).Append(". Signed root of the accepted submissions (the same at all three providers): <code>")
            .Append(H(outcome.SubmissionRoot)).Append("</code>.</p>\n");
        if (outcome.Signatures is { Length: > 0 } signatures)
        {
            b.Append("<p>The three providers signed their transcripts of this run (").Append(H(outcome.Evidence))
                .Append(" in each provider's directory; check with <code>mpcsortition audit</code>):</p>\n<ul>");
            for (int p = 0; p < signatures.Length; p++)
            {
                b.Append(CultureInfo.InvariantCulture, $"<li>provider {p}: <code>{H(signatures[p][..Math.Min(32, signatures[p].Length)])}…</code></li>");
            }

            b.Append("</ul>\n");
        }

        b.Append("<h2>Panel</h2>\n<table><thead><tr><th>#</th><th>code hash</th>");
        foreach (ContactField f in round.ContactFields)
        {
            b.Append("<th>").Append(H(f.Label)).Append("</th>");
        }

        b.Append("</tr></thead><tbody>\n");
        for (int i = 0; i < outcome.PanelHashes.Length; i++)
        {
            b.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"n\">{i + 1}</td><td><code>{outcome.PanelHashes[i][..12]}…</code></td>");
            foreach (string c in outcome.PanelContacts[i])
            {
                b.Append("<td>").Append(H(c)).Append("</td>");
            }

            b.Append("</tr>\n");
        }

        b.Append("</tbody></table>\n<h2>Quotas</h2>\n<table><thead><tr><th>question</th><th>answer</th><th>min</th><th>max</th><th>selected</th></tr></thead><tbody>\n");
        int v = 0;
        foreach (SignupFeature f in round.Features)
        {
            foreach (SignupValue value in f.Values)
            {
                int selected = outcome.Composition[v++];
                string cls = selected < value.Min || selected > value.Max ? " class=\"bad\"" : "";
                b.Append("<tr><td>").Append(H(f.Name)).Append("</td><td>").Append(H(value.Label)).Append(CultureInfo.InvariantCulture,
                    $"</td><td class=\"n\">{value.Min}</td><td class=\"n\">{value.Max}</td><td class=\"n\"{cls}>{selected}</td></tr>\n");
            }
        }

        b.Append("</tbody></table>\n</body></html>\n");
        return b.ToString();
    }

    private static async Task<string> Send(HttpClient op, HttpMethod method, string path, string? json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        using HttpResponseMessage r = await op.SendAsync(request, cancellationToken);
        string body = await r.Content.ReadAsStringAsync(cancellationToken);
        if (!r.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{op.BaseAddress}{path.TrimStart('/')} answered {(int)r.StatusCode}: {body}");
        }

        return body;
    }
}
