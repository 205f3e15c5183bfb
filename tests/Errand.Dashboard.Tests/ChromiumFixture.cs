using Microsoft.Playwright;

namespace Errand.Dashboard.Tests;

/// <summary>One headless Debian chromium for the browser tests, driven by Playwright; no browser is ever downloaded.</summary>
/// <remarks>Without /usr/bin/chromium (or <c>ERRAND_CHROMIUM</c>) the tests skip with a reason, unless <c>ERRAND_REQUIRE_SERVERS=1</c>.</remarks>
public sealed class ChromiumFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public string? Executable { get; } = Find();

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium is not running.");

    public async ValueTask InitializeAsync()
    {
        if (Executable is null)
        {
            if (Environment.GetEnvironmentVariable("ERRAND_REQUIRE_SERVERS") == "1")
            {
                throw new InvalidOperationException("chromium is not installed, and ERRAND_REQUIRE_SERVERS=1 requires it (apt-get install chromium).");
            }

            return;
        }

        _playwright = await Playwright.CreateAsync();
        // Playwright gives a non-persistent launch a fresh temporary profile of its own (it refuses --user-data-dir).
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
            ],
        });
    }

    public void SkipIfMissing() =>
        Assert.SkipWhen(Executable is null, "chromium is not installed (apt-get install chromium; set ERRAND_REQUIRE_SERVERS=1 to fail instead)");

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }

    private static string? Find()
    {
        var configured = Environment.GetEnvironmentVariable("ERRAND_CHROMIUM");
        return new[] { configured, "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p));
    }
}
