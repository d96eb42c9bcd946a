using System.Diagnostics;
using System.Text;

namespace MpcSortition.Tests.Shared;

/// <summary>
/// One run of the built <c>mpcsortition</c> program through <c>dotnet</c> (shared by the Protocols process tests and the
/// integration tests), with standard output and error captured, standard input closed, and the .pfx password in the environment.
/// Every wait is bounded; disposing kills the process tree if it is still running.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private CliProcess(Process process) => _process = process;

    internal string Output
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    internal string Error
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    internal bool HasExited => _process.HasExited;

    /// <summary>The .pfx password every run gets in its environment (MPCSORTITION_PFX_PASSWORD) unless the test overrides it.</summary>
    internal const string PfxPassword = "integration-test-pfx-password";

    /// <summary>The environment variable the CLI reads the .pfx password from.</summary>
    internal const string PfxPasswordVariable = "MPCSORTITION_PFX_PASSWORD";

    /// <summary>Starts the program with these arguments; <paramref name="environment"/> sets (or, with a null value, removes) variables.</summary>
    internal static CliProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        info.Environment[PfxPasswordVariable] = PfxPassword;
        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        info.ArgumentList.Add(CliDll);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        var run = new CliProcess(process);
        process.OutputDataReceived += (_, e) => Append(run._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(run._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close(); // no terminal: a program that would prompt must say what is missing instead
        return run;
    }

    /// <summary>Runs the program to completion within <paramref name="bound"/>.</summary>
    internal static async Task<(int Code, string Output, string Error)> RunAsync(IEnumerable<string> arguments, TimeSpan bound, IReadOnlyDictionary<string, string?>? environment = null)
    {
        using CliProcess run = Start(arguments, environment);
        int code = await run.ExitAsync(bound);
        return (code, run.Output, run.Error);
    }

    /// <summary>Waits for the exit code; kills the process and throws if it takes longer than <paramref name="bound"/>.</summary>
    internal async Task<int> ExitAsync(TimeSpan bound)
    {
        using var timer = new CancellationTokenSource(bound);
        try
        {
            await _process.WaitForExitAsync(timer.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"mpcsortition did not exit within {bound}. stderr: {Error}");
        }

        _process.WaitForExit(); // drain the redirected streams
        return _process.ExitCode;
    }

    /// <summary>Waits until standard error contains <paramref name="text"/>.</summary>
    internal async Task WaitForErrorAsync(string text, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        while (!Error.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || clock.Elapsed > bound)
            {
                throw new TimeoutException($"mpcsortition did not report '{text}'. stderr: {Error}");
            }

            await Task.Delay(25);
        }
    }

    internal void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (target)
        {
            target.AppendLine(line);
        }
    }

    /// <summary>The built CLI of the same configuration and framework as the running tests.</summary>
    internal static string CliDll => LazyCliDll.Value;

    private static readonly Lazy<string> LazyCliDll = new(FindCli);

    private static string FindCli()
    {
        // tests/<project>/bin/<Configuration>/<framework>/ -> samples/MpcSortition.Cli/bin/<Configuration>/<framework>/mpcsortition.dll
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = here.Name, configuration = here.Parent!.Name;
        DirectoryInfo? root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "MpcSortition.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException("Cannot find MpcSortition.sln above " + AppContext.BaseDirectory);
        }

        string dll = Path.Combine(root.FullName, "samples", "MpcSortition.Cli", "bin", configuration, framework, "mpcsortition.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"Build the CLI first: {dll} is missing.");
    }
}
