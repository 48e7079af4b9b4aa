using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Full run:  dotnet run -c Release --project benchmarks/Workflow.Benchmarks -- --filter '*'
// Smoke run: dotnet run -c Release --project benchmarks/Workflow.Benchmarks -- --filter '*' --smoke
//            (each benchmark once, in process: proves they still execute, measures nothing)
// Allocations by type of an in-memory workflow:
//            dotnet run -c Release --project benchmarks/Workflow.Benchmarks -- --allocation-profile <file>
// A steady in-memory load for a CPU profiler (benchmarks/cpu-profile.sh):
//            dotnet run -c Release --project benchmarks/Workflow.Benchmarks -- --cpu-workload <seconds>
if (args is ["--allocation-profile", var profilePath])
{
    return await Workflow.Benchmarks.AllocationProfile.RunAsync(profilePath);
}

if (args is ["--cpu-workload", var workloadSeconds])
{
    return await Workflow.Benchmarks.CpuWorkload.RunAsync(int.Parse(workloadSeconds, System.Globalization.CultureInfo.InvariantCulture));
}

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
