using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Full run:  dotnet run -c Release --project benchmarks/Peers.WorkflowCore -- --filter '*'
// Smoke run: dotnet run -c Release --project benchmarks/Peers.WorkflowCore -- --filter '*' --smoke
//            (each benchmark once, in process: proves they still execute, measures nothing)
// benchmarks/compare.sh runs this project alternately with ours and computes the ratios.
var config = DefaultConfig.Instance;
if (args.Contains("--smoke"))
{
    args = [.. args.Where(a => a != "--smoke")];
    config = ManualConfig.Create(DefaultConfig.Instance)
        .AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithId("smoke"))
        .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.JoinSummary);
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
