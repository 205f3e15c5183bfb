using Microsoft.Playwright;

namespace Errand.Dashboard.Tests;

/// <summary>Opens the dashboard in a new chromium page of a given size, and saves screenshots (the test output's, and the README's).</summary>
public static class BrowserPages
{
    private static readonly string ScreenshotDirectory = Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>Opens <paramref name="fragment"/> of the dashboard and waits for its first refresh; a script error fails the test.</summary>
    public static async Task<IPage> OpenAsync(ChromiumFixture chromium, DashboardHost host, string fragment, int width = 1280, int height = 900, ColorScheme? scheme = null)
    {
        var context = await chromium.Browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = width, Height = height },
            ColorScheme = scheme ?? ColorScheme.Light,
            Permissions = ["clipboard-read", "clipboard-write"],
        });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync(new Uri(host.BaseAddress, fragment).ToString());
        await Assertions.Expect(page.Locator("#updated")).Not.ToBeEmptyAsync();
        Assert.Empty(errors);
        return page;
    }

    /// <summary>Saves a full-page screenshot under the test output's <c>screenshots</c> folder.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    /// <summary>Saves a screenshot of the viewport as <c>docs/images/dashboard-NAME.png</c> of the repository, for the README.</summary>
    public static async Task ReadmeScreenshotAsync(IPage page, string name)
    {
        await ScreenshotAsync(page, name);
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Errand.slnx")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        await page.ScreenshotAsync(new() { Path = Path.Combine(root.FullName, "docs", "images", $"dashboard-{name}.png") });
    }

    /// <summary>Asserts that the page does not scroll sideways: the document is no wider than the viewport.</summary>
    public static async Task AssertNoHorizontalScrollAsync(IPage page, string what)
    {
        var (scroll, viewport) = (await page.EvaluateAsync<int>("document.documentElement.scrollWidth"), await page.EvaluateAsync<int>("window.innerWidth"));
        Assert.True(scroll <= viewport, $"{what}: the document is {scroll} px wide in a {viewport} px viewport.");
    }
}
