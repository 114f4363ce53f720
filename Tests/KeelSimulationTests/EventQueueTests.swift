import KeelSimulation
import Testing

@Suite struct EventQueueTests {
    @Test func eventsComeOutByTimeThenBySchedulingOrder() {
        var queue = EventQueue<String>(capacity: 16)
        queue.schedule("c", at: 30)
        queue.schedule("a1", at: 10)
        queue.schedule("b", at: 20)
        queue.schedule("a2", at: 10)
        queue.schedule("a3", at: 10)
        #expect(queue.nextTime == 10)
        var order: [String] = []
        while let (_, event) = queue.popNext() { order.append(event) }
        #expect(order == ["a1", "a2", "a3", "b", "c"])
        #expect(queue.isEmpty)
    }

    @Test func theQueueIsBounded() {
        var queue = EventQueue<Int>(capacity: 2)
        let accepted = [queue.schedule(1, at: 0), queue.schedule(2, at: 0), queue.schedule(3, at: 0)]
        #expect(accepted == [true, true, false])
        #expect(queue.count == 2)
    }

    @Test func removeAllKeepsTheOrderOfTheRest() {
        var queue = EventQueue<Int>(capacity: 64)
        for value in (0..<40).reversed() { queue.schedule(value, at: UInt64(value / 4)) }
        queue.removeAll { $0 % 3 == 0 }
        var times: [UInt64] = []
        var values: [Int] = []
        while let (time, value) = queue.popNext() {
            times.append(time)
            values.append(value)
        }
        #expect(times == times.sorted())
        #expect(values.allSatisfy { $0 % 3 != 0 })
        #expect(values.count == 26)
    }
}
