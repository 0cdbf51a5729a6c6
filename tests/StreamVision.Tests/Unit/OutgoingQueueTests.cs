using StreamVision.Publish.Mqtt;

namespace StreamVision.Tests.Unit;

public sealed class OutgoingQueueTests
{
    private static OutgoingMessage M(string topic, int qos) => new(topic, Array.Empty<byte>(), Qos: qos);

    [Fact]
    public void When_full_live_qos0_messages_go_first_and_reliable_ones_only_when_nothing_else_is_left()
    {
        var queue = new OutgoingQueue(3);
        queue.TryAdd(M("r1", 1));
        queue.TryAdd(M("l1", 0));
        queue.TryAdd(M("r2", 1));
        queue.TryAdd(M("r3", 1)); // full: l1 goes
        Assert.Equal((1L, 0L), (queue.DroppedUnreliable, queue.DroppedReliable));
        queue.TryAdd(M("r4", 1)); // full of reliable ones: the oldest, r1, goes
        Assert.Equal((1L, 1L), (queue.DroppedUnreliable, queue.DroppedReliable));

        var order = new List<string>();
        while (queue.TryPeek(out var next))
        {
            order.Add(next.Topic);
            queue.Remove(next);
        }
        Assert.Equal(["r2", "r3", "r4"], order);
    }

    [Fact]
    public void The_byte_bound_drops_like_the_count_bound_and_counts_what_is_held()
    {
        static OutgoingMessage Big(string topic, int qos, int bytes) => new(topic, new byte[bytes], Qos: qos);
        var queue = new OutgoingQueue(100, capacityBytes: 1000);
        queue.TryAdd(Big("a", 0, 398));  // 399 bytes with its topic
        queue.TryAdd(Big("b", 1, 398));
        Assert.Equal(798, queue.Bytes);
        queue.TryAdd(Big("c", 0, 398));  // over 1000: the oldest QoS 0 message, a, goes
        Assert.Equal((1L, 0L), (queue.DroppedUnreliable, queue.DroppedReliable));
        Assert.Equal(798, queue.Bytes);
        queue.TryAdd(Big("d", 1, 898));  // needs both others out: c (QoS 0) first, then b
        Assert.Equal((2L, 1L), (queue.DroppedUnreliable, queue.DroppedReliable));
        Assert.True(queue.TryPeek(out var only) && only.Topic == "d");
        queue.Remove(only);
        Assert.Equal(0, queue.Bytes);
        queue.TryAdd(Big("huge", 1, 5000)); // larger than the bound: taken alone rather than never sent
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void A_message_stays_until_it_was_sent()
    {
        var queue = new OutgoingQueue(4);
        var first = M("a", 1);
        queue.TryAdd(first);
        queue.TryAdd(M("b", 1));
        Assert.True(queue.TryPeek(out var peeked));
        Assert.Same(first, peeked);
        Assert.True(queue.TryPeek(out peeked)); // a failed send leaves it in place
        Assert.Same(first, peeked);
        queue.Remove(first);
        Assert.True(queue.TryPeek(out peeked));
        Assert.Equal("b", peeked.Topic);
    }

    [Fact]
    public async Task Completing_ends_the_wait_once_empty()
    {
        var queue = new OutgoingQueue(2);
        queue.TryAdd(M("a", 0));
        queue.Complete();
        Assert.False(queue.TryAdd(M("late", 0)));
        Assert.True(await queue.WaitAsync(CancellationToken.None));
        queue.TryPeek(out var a);
        queue.Remove(a);
        Assert.False(await queue.WaitAsync(CancellationToken.None));
    }
}
