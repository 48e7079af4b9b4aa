namespace Workflow.AI;

/// <summary>How to reach an OpenAI-compatible chat completions endpoint: OpenAI itself, Azure OpenAI's <c>/openai/v1/</c>
/// endpoint, vLLM, LM Studio, llama.cpp's server, Ollama's <c>/v1</c>, and other servers that speak the protocol.</summary>
public sealed class OpenAIProviderOptions
{
    /// <summary>Gets or sets the endpoint, including the <c>/v1</c> path segment (the client appends
    /// <c>chat/completions</c> to it): <c>https://api.openai.com/v1</c>, <c>https://{resource}.openai.azure.com/openai/v1/</c>,
    /// <c>http://localhost:8000/v1</c> (vLLM), <c>http://localhost:1234/v1</c> (LM Studio), <c>http://localhost:11434/v1</c> (Ollama).</summary>
    /// <value>The default value is <see langword="null"/>: OpenAI's endpoint.</value>
    public Uri? Endpoint { get; set; }

    /// <summary>Gets or sets the API key, sent as a bearer token. Local servers that check no key still need a non-empty value.</summary>
    /// <value>The default value is <see langword="null"/>, which is not valid: set it.</value>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the model (or Azure deployment) name.</summary>
    /// <value>The default value is <see langword="null"/>, which is not valid: set it.</value>
    public string? Model { get; set; }

    /// <summary>Gets or sets the OpenAI organization id, if any.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? OrganizationId { get; set; }

    /// <summary>Gets or sets the OpenAI project id, if any.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? ProjectId { get; set; }

    /// <summary>Gets or sets the HTTP client to send requests with (for a proxy, custom certificates or handlers). Its
    /// <see cref="HttpClient.Timeout"/> should be infinite: Workflow.AI times calls out on the host's clock.</summary>
    /// <value>The default value is <see langword="null"/>: a client with no timeout of its own.</value>
    public HttpClient? HttpClient { get; set; }
}
