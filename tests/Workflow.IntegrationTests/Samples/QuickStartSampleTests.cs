using System.Diagnostics;
using Workflow.TestUtilities;

namespace Workflow.IntegrationTests.Samples;

/// <summary>Runs the QuickStart sample as its own process, as a user would, on the in-memory store.</summary>
public sealed class QuickStartSampleTests
{
    [Fact]
    public async Task QuickStart_Run_PrintsEveryStepAsItHappensAndTheResult()
    {
        var sample = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "QuickStart", new DirectoryInfo(AppContext.BaseDirectory).Name, "QuickStart.dll"));
        Assert.True(File.Exists(sample), $"The QuickStart sample was not built at {sample}.");
        using var process = Process.Start(new ProcessStartInfo("dotnet", [sample])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).OrHang();

            var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(process.ExitCode == 0, $"QuickStart exited with {process.ExitCode}: {await errors}");
            Assert.Equal(7, lines.Length);
            Assert.StartsWith("step validate", lines[0], StringComparison.Ordinal);
            Assert.Matches(@"^branch review\s+-> true$", lines[1]);
            Assert.Matches(@"^step review/manager-approval\s+-> .*approved by a manager", lines[2]);
            Assert.Equal(
                ["step fulfil/charge-card -> charged 1428.00 EUR", "step fulfil/reserve-stock -> reserved 3 item(s)"],
                lines[3..5].Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"\s+", " ")).Order());
            Assert.StartsWith("step send-receipt", lines[5], StringComparison.Ordinal);
            Assert.Equal("result: Receipt { Stock = reserved 3 item(s), Payment = charged 1428.00 EUR, Sent = True }", lines[^1]);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
