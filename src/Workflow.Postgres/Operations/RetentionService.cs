using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workflow.Postgres.Internal;
using Workflow.Postgres.Storage;

namespace Workflow.Postgres.Operations;

/// <summary>Purges ended instances older than the retention period when the host starts and then at each interval.</summary>
internal sealed class RetentionService(
    PostgresWorkflowStore store, IOptions<PostgresRetentionOptions> options, TimeProvider timeProvider, ILogger<RetentionService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await store.PurgeEndedInstancesAsync(timeProvider.GetUtcNow() - settings.Retention, settings.Purge, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // An unreachable database or a failing archive callback: what is not purged stays, and the next round tries again.
                Log.RetentionFailed(logger, ex, settings.Interval);
            }

            try
            {
                await Task.Delay(settings.Interval, timeProvider, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
