using Microsoft.Extensions.AI;

namespace Workflow.AI.DependencyInjection;

/// <summary>A provider client that also owns the HTTP client it sends with, disposed with it by the container.</summary>
internal sealed class OwningChatClient(IChatClient innerClient, IDisposable? owned) : DelegatingChatClient(innerClient)
{
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            owned?.Dispose();
        }

        base.Dispose(disposing);
    }
}
