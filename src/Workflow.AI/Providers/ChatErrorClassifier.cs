using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using OllamaSharp.Models.Exceptions;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Workflow.AI.Providers;

internal enum ChatFailureKind
{
    /// <summary>The request is wrong (400, 401...), or the caller canceled: neither retrying nor another provider helps.</summary>
    CallerError,

    /// <summary>The provider failed in a way that may pass: retry on it, then fail over.</summary>
    Transient,

    /// <summary>The provider is not to be used now (its circuit is open, it asked for a long wait): fail over at once.</summary>
    Unavailable,
}

internal readonly record struct ChatFailure(ChatFailureKind Kind, string Reason, int? StatusCode = null, TimeSpan? RetryAfter = null);

/// <summary>Sorts the exceptions of provider client libraries (System.ClientModel for OpenAI, HttpClient for
/// OllamaSharp and most others, Polly's) into failures that retrying or failing over can help and ones that it cannot.</summary>
internal static class ChatErrorClassifier
{
    public static ChatFailure Classify(Exception exception, TimeProvider timeProvider, CancellationToken callerToken)
    {
        switch (exception)
        {
            case OperationCanceledException when callerToken.IsCancellationRequested:
                return new(ChatFailureKind.CallerError, "canceled by the caller");
            case TimeoutRejectedException timeout:
                return new(ChatFailureKind.Transient, $"timed out after {timeout.Timeout}");
            case BrokenCircuitException broken:
                return new(ChatFailureKind.Unavailable, broken.RetryAfter is { } wait ? $"its circuit is open for {wait}" : "its circuit is open");
            case ChatProviderUnavailableException unavailable:
                return new(ChatFailureKind.Unavailable, unavailable.Message);
            case ClientResultException result:
                return result.Status == 0
                    ? Connection(result)
                    : FromStatus(result.Status, RetryAfter(result.GetRawResponse(), timeProvider));
            case HttpRequestException http:
                return http.StatusCode is { } code ? FromStatus((int)code, retryAfter: null) : Connection(http);
            case ChatStreamIncompleteException:
                return new(ChatFailureKind.Transient, "the stream ended before the reply was complete");
            case JsonException json:
                return new(ChatFailureKind.Transient, "the response is not valid JSON: " + json.Message);
            case IOException or SocketException:
                return Connection(exception);
            case OllamaException ollama:
                return new(ChatFailureKind.CallerError, "Ollama rejected the request: " + ollama.Message);
            case OperationCanceledException:
                // Canceled without the caller asking: a client library's own timeout.
                return new(ChatFailureKind.Transient, "timed out (the client library's own timeout)");
        }

        return exception.InnerException is { } inner && inner is IOException or SocketException or HttpRequestException
            ? Classify(inner, timeProvider, callerToken)
            : new(ChatFailureKind.CallerError, $"{exception.GetType().Name}: {exception.Message}");
    }

    private static ChatFailure Connection(Exception exception)
    {
        var innermost = exception;
        while (innermost.InnerException is { } inner)
        {
            innermost = inner;
        }

        return new(ChatFailureKind.Transient, "the connection failed: " + innermost.Message);
    }

    private static ChatFailure FromStatus(int status, TimeSpan? retryAfter)
    {
        var reason = "HTTP " + status.ToString(CultureInfo.InvariantCulture);
        return status is 408 or 429 or >= 500
            ? new(ChatFailureKind.Transient, reason, status, retryAfter)
            : new(ChatFailureKind.CallerError, reason, status);
    }

    /// <summary>Reads <c>retry-after-ms</c> (Azure OpenAI), <c>x-ms-retry-after-ms</c> and <c>Retry-After</c>
    /// (seconds, or an HTTP date).</summary>
    internal static TimeSpan? RetryAfter(PipelineResponse? response, TimeProvider timeProvider)
    {
        if (response is null)
        {
            return null;
        }

        foreach (var header in (ReadOnlySpan<string>)["retry-after-ms", "x-ms-retry-after-ms"])
        {
            if (response.Headers.TryGetValue(header, out var ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
            {
                return TimeSpan.FromMilliseconds(milliseconds);
            }
        }

        if (!response.Headers.TryGetValue("Retry-After", out var value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds >= 0 ? TimeSpan.FromSeconds(seconds) : null;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var wait = date - timeProvider.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }
}
