using StreamVision.Cache;

namespace StreamVision.Tests.Unit;

public class ByteBudgetTests
{
    [Fact]
    public void Reservations_beyond_the_limit_are_refused()
    {
        var budget = new ByteBudget("cam", 100);
        Assert.True(budget.TryReserve(60));
        Assert.False(budget.TryReserve(41));
        Assert.True(budget.TryReserve(40));
        Assert.Equal(100, budget.Held);
        budget.Release(100);
        Assert.Equal(0, budget.Held);
        Assert.Equal(100, budget.Peak);
    }

    [Fact]
    public void A_child_budget_is_also_bounded_by_its_parent()
    {
        var total = new ByteBudget("all", 100);
        var a = new ByteBudget("a", 80, total);
        var b = new ByteBudget("b", 80, total);
        Assert.True(a.TryReserve(70));
        Assert.False(b.TryReserve(40));
        Assert.Equal(0, b.Held);
        Assert.True(b.TryReserve(30));
        Assert.Equal(100, total.Held);
    }

    [Fact]
    public void Releasing_more_than_held_throws()
    {
        var budget = new ByteBudget("cam", 100);
        budget.TryReserve(10);
        Assert.Throws<InvalidOperationException>(() => budget.Release(11));
        Assert.Equal(10, budget.Held);
    }

    [Fact]
    public void Concurrent_reservations_never_exceed_the_limit()
    {
        var budget = new ByteBudget("cam", 10_000);
        var granted = 0L;
        Parallel.For(0, 20_000, _ =>
        {
            if (budget.TryReserve(3))
            {
                Interlocked.Add(ref granted, 3);
            }
        });
        Assert.Equal(granted, budget.Held);
        Assert.True(budget.Held <= 10_000);
        Assert.Equal(ByteBudget.DefaultLimitBytes, 2L << 30);
    }
}
