namespace Workflow.AI;

/// <summary>How to reach an Ollama server through its native API (<c>/api/chat</c>) with OllamaSharp.</summary>
public sealed class OllamaProviderOptions
{
    /// <summary>The default <see cref="Endpoint"/>: <c>http://localhost:11434</c>.</summary>
    public static readonly Uri DefaultEndpoint = new("http://localhost:11434");

    /// <summary>Gets or sets the server's address, without a path.</summary>
    /// <value>The default value is <c>http://localhost:11434</c>.</value>
    public Uri Endpoint { get; set; } = DefaultEndpoint;

    /// <summary>Gets or sets the model, for example <c>llama3.2</c>.</summary>
    /// <value>The default value is <see langword="null"/>, which is not valid: set it.</value>
    public string? Model { get; set; }

    /// <summary>Gets or sets the HTTP client to send requests with. Its <see cref="HttpClient.Timeout"/> should be
    /// infinite: Workflow.AI times calls out on the host's clock. Its base address is set to <see cref="Endpoint"/>
    /// when it has none.</summary>
    /// <value>The default value is <see langword="null"/>: a client with no timeout of its own.</value>
    public HttpClient? HttpClient { get; set; }
}
