using System.Globalization;
using System.Net;
using System.Text;
using MpcSortition.Protocols;
using MpcSortition.Selection;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Secure;
using MpcSortition.Selection.Verification;

namespace MpcSortition.Cli;

/// <summary>
/// The analyser's outputs: <c>panel.csv</c> (the selected ids, pool order), <c>quotas.csv</c> (min, max and achieved per
/// feature value) and <c>report.html</c>, one self-contained file (inline CSS and SVG, no scripts, nothing fetched) with
/// the chart of min/max against achieved per feature value, the parameters, the randomness commitments and timings.
/// </summary>
internal sealed class AnalyserReport
{
    internal const string PanelFile = "panel.csv";
    internal const string QuotaFile = "quotas.csv";
    internal const string HtmlFile = "report.html";

    internal required ProviderRunResult Result { get; init; }

    internal required string Strategy { get; init; }

    internal required int MaxAttempts { get; init; }

    /// <summary>The three signed transcripts and the panel's opening (written to evidence.json too).</summary>
    internal required RunEvidence Evidence { get; init; }

    internal required (string Step, TimeSpan Time)[] Timings { get; init; }

    /// <summary>The black box the three providers ran ("replicated" or "beaver"; agreed before any secret was used).</summary>
    internal string Engine { get; init; } = "replicated";

    private RoundDefinition Round => Result.Round;

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string H(string s) => WebUtility.HtmlEncode(s);

    internal void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        using (var panel = new StreamWriter(Path.Combine(directory, PanelFile), false, new UTF8Encoding(false)))
        {
            Result.WritePanelCsv(panel);
        }

        using (var quotas = new StreamWriter(Path.Combine(directory, QuotaFile), false, new UTF8Encoding(false)))
        {
            Result.Quotas.WriteCsv(quotas);
        }

        File.WriteAllText(Path.Combine(directory, HtmlFile), Html(), new UTF8Encoding(false));
    }

    private string Html()
    {
        QuotaTable table = Result.Quotas;
        var b = new StringBuilder();
        b.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Secure sortition: analyser's report</title>\n<style>")
         .Append("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}")
         .Append("table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.2rem .6rem;text-align:left}")
         .Append("td.n{text-align:right}code{font-size:.85em;word-break:break-all}.bad{color:#b00;font-weight:bold}")
         .Append("</style></head><body>\n<h1>Secure sortition: analyser's report</h1>\n");

        b.Append(Inv($"<p>A panel of <b>{Round.PanelSize}</b> was selected from <b>{Round.CandidateIds.Count}</b> candidates by three service providers on secret-shared data (strategy <b>{H(Strategy)}</b>, attempt {Result.Attempts} of at most {MaxAttempts}). "))
         .Append(!table.HasSelected ? "The composition was not opened (node option --reveal-composition), so the quotas are listed without the achieved counts; every quota is met by construction of the selector." : table.AllMet ? "Every quota is met." : "<span class=\"bad\">Some quota is not met.</span>")
         .Append(table.HasSelected ? " Only this analyser received the panel and its composition" : " Only this analyser received the panel").Append("; no provider saw any candidate's features.</p>\n");

        b.Append("<p><b>").Append(H(Result.RunHistory)).Append(".</b></p>\n");
        b.Append("<h2>Quotas: minimum–maximum against achieved</h2>\n").Append(Chart(table.Rows));

        b.Append("<h2>Parameters</h2>\n<table>\n");
        void Row(string k, string v) => b.Append("<tr><th>").Append(H(k)).Append("</th><td>").Append(v).Append("</td></tr>\n");
        Row("round id", $"<code>{H(Round.RoundId)}</code>");
        Row("dealt (UTC)", H(Round.CreatedUtc));
        Row("layout hash (SHA-256 of ids, features, quotas, k, addresses)", $"<code>{H(Round.LayoutHash)}</code>");
        Row("candidates n", Round.CandidateIds.Count.ToString(CultureInfo.InvariantCulture));
        Row("panel size k", Round.PanelSize.ToString(CultureInfo.InvariantCulture));
        Row("features / values", Inv($"{Round.Features.Count} / {Round.ValueCount}"));
        Row("same-address exclusion", Round.Households is null ? "no (or nobody shares an address)" : "yes (providers know which candidates share an address)");
        Row("strategy", H(Strategy));
        Row("attempts", Inv($"{Result.Attempts} used of at most {MaxAttempts}"));
        Row("engine (black box of the three providers)", H(Engine));
        b.Append("</table>\n");

        b.Append("<h2>Randomness</h2>\n");
        if (Result.PublicSeed is byte[] publicSeed)
        {
            b.Append("<p><b>Public test tape (testing and audits only).</b> The seed's commitment was published in the round file before the draw; the seed is revealed here. ")
             .Append("Check: SHA-256(\"MpcSortition.seed-commitment.v1\" ‖ round id ‖ seed) equals the commitment. Every provider knew these random words, so a real selection must not use a public tape.</p>\n<table>\n");
            Row("commitment (published before the draw)", $"<code>{H(Round.SeedCommitment ?? string.Empty)}</code>");
            Row("seed (revealed after the draw)", $"<code>{H(RandomTape.ToHex(publicSeed))}</code>");
            b.Append("</table>\n");
        }
        else
        {
            b.Append("<p><b>Joint randomness.</b> Each provider drew a fresh contribution and sent its commitment SHA-256(\"MpcSortition.tape-contribution.v1\" ‖ round id ‖ party ‖ contribution) to the others before the draw; ")
             .Append("the random words are the XOR of the three contributions' AES-CTR expansions, so no provider knew them during the draw. After the draw the providers opened ")
             .Append("their contributions to each other (below, under Verification); anyone can check them against these commitments.</p>\n<table>\n");
            for (int p = 0; p < (Result.TapeCommitments?.Count ?? 0); p++)
            {
                Row(Inv($"provider {p} commitment"), $"<code>{Convert.ToHexString(Result.TapeCommitments![p].Span)}</code>");
            }

            b.Append("</table>\n");
        }

        b.Append("<h2>Verification</h2>\n<p>After the draw the providers opened their tape contributions to each other and each signed its transcript "
            + "(round hash, run number, settings, commitments, opened contributions, a digest of every message it sent and received, the success bits and the panel commitment) "
            + "with its certificate's key. The signed transcripts and the opening of the panel commitment are in <code>evidence.json</code>; "
            + "<code>mpcsortition audit --round round.json --evidence evidence.json --peer-certs …</code> checks them (see docs/verifiability.md).</p>\n<table>\n");
        for (int p = 0; p < Evidence.Transcripts.Count; p++)
        {
            SignedTranscript t = Evidence.Transcripts[p];
            Row(Inv($"provider {p}: transcript digest / signature"), $"<code>{t.Transcript.Digest()}</code><br><code>{(t.Signature.IsEmpty ? "unsigned" : Convert.ToHexString(t.Signature.Span))}</code>");
            if (t.Transcript.Contributions[p] is string opened)
            {
                Row(Inv($"provider {p}: opened contribution"), $"<code>{opened}</code>");
            }
        }

        Row("success bits (one per attempt)", $"<code>{H(Evidence.Transcripts[0].Transcript.SuccessBits)}</code>");
        Row("panel commitment (signed by all three)", $"<code>{H(Evidence.Transcripts[0].Transcript.PanelCommitment ?? "-")}</code>");
        b.Append("</table>\n");

        b.Append("<h2>Timings and traffic (provider 0)</h2>\n<table>\n");
        foreach ((string step, TimeSpan time) in Timings)
        {
            Row(step, Inv($"{time.TotalSeconds:F2} s"));
        }

        SessionCost cost = Result.Cost;
        Row("rounds", cost.Rounds.ToString(CultureInfo.InvariantCulture));
        Row("bytes sent", cost.BytesSent.ToString("N0", CultureInfo.InvariantCulture));
        Row("multiplications / AND gates", Inv($"{cost.Multiplications:N0} / {cost.AndGates:N0}"));
        b.Append("</table>\n");

        b.Append("<h2>Panel (pool order)</h2>\n<p>").Append(string.Join(", ", Result.Panel!.Select(i => "<code>" + H(Round.CandidateIds[i]) + "</code>"))).Append("</p>\n");
        b.Append("<p>Also written: <code>panel.csv</code> and <code>quotas.csv</code> next to this file.</p>\n</body></html>\n");
        return b.ToString();
    }

    /// <summary>One row per feature value: a grey bar from min to max, a dot at the achieved count (green inside, red outside).</summary>
    private static string Chart(IReadOnlyList<QuotaRow> rows)
    {
        const int labelWidth = 290, plotWidth = 420, rowHeight = 20, top = 24;
        int scale = Math.Max(1, rows.Max(r => Math.Max(r.Max, r.Selected ?? 0)));
        double X(int count) => labelWidth + (plotWidth * (double)count / scale);
        int height = top + (rows.Count * rowHeight) + 10;
        var s = new StringBuilder();
        s.Append(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{labelWidth + plotWidth + 40}\" height=\"{height}\" role=\"img\" aria-label=\"quota chart\" font-size=\"12\" font-family=\"sans-serif\">\n"));
        for (int t = 0; t <= scale; t += Math.Max(1, scale / 10))
        {
            s.Append(Inv($"<line x1=\"{X(t):F1}\" y1=\"{top - 6}\" x2=\"{X(t):F1}\" y2=\"{height - 10}\" stroke=\"#eee\"/><text x=\"{X(t):F1}\" y=\"{top - 10}\" text-anchor=\"middle\" fill=\"#666\">{t}</text>\n"));
        }

        for (int i = 0; i < rows.Count; i++)
        {
            QuotaRow r = rows[i];
            double y = top + (i * rowHeight);
            s.Append(Inv($"<text x=\"{labelWidth - 8}\" y=\"{y + 14:F1}\" text-anchor=\"end\">{H(r.Feature)}: {H(r.Value)}</text>"));
            s.Append(Inv($"<rect x=\"{X(r.Min):F1}\" y=\"{y + 5:F1}\" width=\"{Math.Max(2, X(r.Max) - X(r.Min)):F1}\" height=\"10\" fill=\"#c8d3e0\"><title>min {r.Min}, max {r.Max}</title></rect>"));
            if (r.Selected is int selected)
            {
                s.Append(Inv($"<circle cx=\"{X(selected):F1}\" cy=\"{y + 10:F1}\" r=\"5\" fill=\"{(r.IsMet == true ? "#2a7" : "#c22")}\"><title>selected {selected}</title></circle>"));
            }

            s.Append('\n');
        }

        s.Append("</svg>\n<p>Grey bar: allowed range [min, max]; dot: members selected (green inside the range, red outside).</p>\n");
        return s.ToString();
    }
}
