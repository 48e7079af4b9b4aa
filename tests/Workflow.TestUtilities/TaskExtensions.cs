namespace Workflow.TestUtilities;

public static class TaskExtensions
{
    /// <summary>Fails the test instead of hanging it when a task never completes (the cap means a hang, not slowness).</summary>
    public static Task<T> OrHang<T>(this Task<T> task) => task.WaitAsync(Poll.Cap);

    public static Task OrHang(this Task task) => task.WaitAsync(Poll.Cap);
}
