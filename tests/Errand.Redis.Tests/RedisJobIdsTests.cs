namespace Errand.Redis.Tests;

public sealed class RedisJobIdsTests
{
    [Fact]
    public void For_QueueAndKey_IsTheSaqJobId() => Assert.Equal("saq:job:emails:abc", RedisJobIds.For("emails", "abc"));

    [Theory]
    [InlineData("saq:job:emails:abc", "abc")]
    [InlineData("saq:job:emails:cron:report", "cron:report")]
    [InlineData("saq:job:emails2:abc", null)]
    [InlineData("saq:job:email:abc", null)]
    [InlineData("saq:job:emails:", null)]
    [InlineData("other", null)]
    public void KeyOf_Id_GivesTheKeyOnlyForThisQueue(string id, string? key) => Assert.Equal(key, RedisJobIds.KeyOf("emails", id));
}
