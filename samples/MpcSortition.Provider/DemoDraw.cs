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
internal sealed record DrawOutcome(string[] PoolHashes, string[] Malformed, string[] PanelHashes, string[][] PanelContacts, int[] Composition, byte[] Seed);

/// <summary>
/// A demonstration draw after the sign-up: closes, reconciles and exports through each provider's operator endpoints
/// (as the operators would), then checks the rows, selects with a public test tape and opens the panel's contacts to the
/// analyser with the three parties in one process. The service's <c>POST /operator/select</c> runs the same steps
/// between the three provider processes over mutual TLS; this in-process draw serves the quick start and the page's
/// end-to-end test. Only the analyser's results leave it.
/// </summary>
internal static class DemoDraw
{
    public static async Task<DrawOutcome> RunAsync(SignupRound round, IReadOnlyList<HttpClient> operators, byte[] seed, CancellationToken cancellationToken = default)
    {
        var histories = new List<string>();
        foreach (HttpClient op in operators)
        {
            await Send(op, HttpMethod.Post, "/operator/close", "{}", cancellationToken);
            histories.Add(await Send(op, HttpMethod.Get, "/operator/history", null, cancellationToken));
        }

        string reconcile = $"{{\"histories\":[{string.Join(",", histories)}]}}";
        foreach (HttpClient op in operators)
        {
            await Send(op, HttpMethod.Post, "/operator/reconcile", reconcile, cancellationToken);
        }

        var exports = new List<(string[] Hashes, uint[] Rows, byte[][] Contacts)>();
        foreach (HttpClient op in operators)
        {
            using JsonDocument e = JsonDocument.Parse(await Send(op, HttpMethod.Get, "/operator/export", null, cancellationToken));
            JsonElement[] rows = [.. e.RootElement.GetProperty("rows").EnumerateArray()];
            exports.Add(([.. rows.Select(r => r.GetProperty("codeHash").GetString()!)],
                [.. rows.SelectMany(r => Words(Convert.FromBase64String(r.GetProperty("row").GetString()!)))],
                [.. rows.Select(r => Convert.FromBase64String(r.GetProperty("contact").GetString()!))]));
        }

        string[] pool = exports[0].Hashes;
        if (exports.Any(x => !x.Hashes.SequenceEqual(pool)))
        {
            throw new InvalidOperationException("The three providers exported different pools.");
        }

        int n = pool.Length;
        IReadOnlyList<Feature> features = round.ToFeatures();
        var results = await InProcessParties.RunAsync(async abb =>
        {
            var mine = exports[abb.PartyIndex];
            bool[] valid = await IntakeChecks.CheckRowsAsync(abb, abb.FromShares(mine.Rows), round.ValueCounts());
            int[] kept = [.. Enumerable.Range(0, n).Where(i => valid[i])];
            var layout = new SecureSelectionLayout(kept.Select(i => pool[i]), features, round.PanelSize);
            SecurePool securePool = SecurePool.FromShares(abb, layout, [.. kept.SelectMany(i => mine.Rows.AsSpan(i * round.ValueCount, round.ValueCount).ToArray())]);
            using var tape = new RandomTape(seed);
            SecureSelectionResult selected = await SecureSelector.SelectAsync(abb, securePool, new SecureLegacyGreedy(),
                new SecureSelectionOptions { Tape = new PublicTape(tape), RevealComposition = true }, cancellationToken);
            BitShareVector contacts = IntakeChecks.ContactShares(abb, [.. kept.Select(i => mine.Contacts[i])], round.ContactBlockLength);
            byte[][]? blocks = await IntakeChecks.OpenPanelContactsAsync(abb, contacts, kept.Length, selected.Panel, round.ContactBlockLength);
            return (valid, kept, selected, blocks);
        }, cancellationToken: cancellationToken);

        (bool[] ok, int[] keptRows, SecureSelectionResult result, byte[][]? opened) = results[0];
        int[] panel = [.. result.Panel!];
        return new DrawOutcome(
            pool,
            [.. Enumerable.Range(0, n).Where(i => !ok[i]).Select(i => pool[i])],
            [.. panel.Select(j => pool[keptRows[j]])],
            [.. panel.Select(j => ContactBlock.Decode(round, opened![j]))],
            [.. result.Composition!],
            seed);
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

    private static uint[] Words(byte[] bytes) =>
        [.. Enumerable.Range(0, bytes.Length / 4).Select(i => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4 * i)))];
}
