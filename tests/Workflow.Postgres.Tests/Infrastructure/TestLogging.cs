using Microsoft.Extensions.Logging;
using Workflow.TestUtilities;

namespace Workflow.Postgres.Tests.Infrastructure;

public static class TestLogging
{
    /// <summary>A logger factory that writes everything, down to Trace, to <paramref name="logs"/>.</summary>
    public static ILoggerFactory Factory(CapturingLoggerProvider logs) =>
        LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
}
