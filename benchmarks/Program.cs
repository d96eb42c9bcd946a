using BenchmarkDotNet.Running;

// Run all suites: dotnet run -c Release --project benchmarks -- --filter '*'
// Smoke run (CI):  dotnet run -c Release --project benchmarks -- --filter '*' --job dry --inProcess
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
