// A worker node for the multi-node tests: the workflow runtime on PostgreSQL in a process of its own.
//
//   dotnet Workflow.Postgres.Worker.dll --connection "Host=...;Database=..." --schema wf_x --node node-a
//       [--lease-ms 2000] [--poll-ms 200] [--max-concurrent 16] [--stall-after 10] [--hold-commit-of instance-id]
//       [--trace true]
//
// Every setting may also come from WORKFLOW_WORKER_<NAME> (WORKFLOW_WORKER_CONNECTION, ...). It prints "ready node=..."
// once it runs, the runtime's and the store's log lines with their event ids ("warn: Workflow.Runtime[1104] ..."), and
// the lines of SideEffectLog and WorkerStore. It runs until it is killed.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Workflow.Postgres.Storage;
using Workflow.Postgres.Worker;
using Workflow.Storage;

var settings = WorkerSettings.Parse(args);
await using var sideEffects = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(settings.ConnectionString)
{
    ApplicationName = settings.NodeId + "-side-effects",
}.ConnectionString);
var log = new SideEffectLog(sideEffects, settings);
await log.EnsureTableAsync(CancellationToken.None);

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
});
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("Workflow", LogLevel.Information);
builder.Logging.AddFilter("Workflow.Postgres", LogLevel.Debug);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services
    .AddWorkflows(o =>
    {
        o.NodeId = settings.NodeId;
        o.LeaseDuration = settings.LeaseDuration;
        o.PollInterval = settings.PollInterval;
        o.MaxConcurrentInstances = settings.MaxConcurrentInstances;
    })
    .AddWorkflow(WorkerWorkflows.CreateWork(log.RunStepAsync))
    .AddWorkflow(WorkerWorkflows.CreateTimer(log.RunStepAsync))
    .AddWorkflow(WorkerWorkflows.CreateSignal(log.RunStepAsync))
    .UsePostgres(new NpgsqlConnectionStringBuilder(settings.ConnectionString) { ApplicationName = settings.NodeId }.ConnectionString, o => o.Schema = settings.Schema);
if (settings.Trace || settings.HoldCommitOf is not null)
{
    builder.Services.AddSingleton<IWorkflowStore>(sp => new WorkerStore(sp.GetRequiredService<PostgresWorkflowStore>(), settings.Trace, settings.HoldCommitOf));
}

using var host = builder.Build();
await host.StartAsync();
Console.WriteLine($"ready node={settings.NodeId}");
await host.WaitForShutdownAsync();
