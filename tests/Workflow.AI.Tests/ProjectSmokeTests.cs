using Microsoft.Extensions.AI;

namespace Workflow.AI.Tests;

public sealed class ProjectSmokeTests
{
    [Fact]
    public void AbstractionsPackage_IsReferenced()
    {
        var message = new ChatMessage(ChatRole.User, "hello");

        Assert.Equal("hello", message.Text);
    }
}
