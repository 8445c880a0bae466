import AudioIO
import Foundation
import Infrastructure
import Synchronization
import Testing

/// The hand-off between pipeline threads: every block arrives once and in order whatever the capacity and the
/// timing, a stream shorter than the wake-up batch still arrives when it is closed, and abandoning frees a
/// waiting producer.
@Suite struct BlockStreamTests {
  @Test("Blocks arrive once and in order, with any capacity, uneven timing and a short last batch", arguments: [1, 2, 3, 4, 16])
  func orderAndCompleteness(capacity: Int) throws {
    let queue = BlockQueue(capacity: capacity)
    let count = 1_003  // not a multiple of any batch: the stream ends with fewer than half a queue waiting
    let producer = BackgroundThread(name: "producer") { () -> Void in
      for i in 0..<count {
        queue.push([Float(i), Float(i) + 0.5])
        if i % 97 == 0 { usleep(200) }  // the consumer catches up and waits now and then
      }
      queue.close()
    }
    var received: [Float] = []
    while let block = queue.pop() {
      received += block
      if received.count % 389 == 0 { usleep(300) }  // and the producer fills the queue now and then
    }
    try producer.join()
    let expected: [Float] = (0..<count).flatMap { i -> [Float] in [Float(i), Float(i) + 0.5] }
    #expect(received == expected)
  }

  @Test("A lone block reaches a waiting consumer when the producer closes the stream")
  func loneBlock() throws {
    let queue = BlockQueue(capacity: 16)
    let consumer = BackgroundThread(name: "consumer") { () -> [[Float]] in
      var got: [[Float]] = []
      while let b = queue.pop() { got.append(b) }
      return got
    }
    usleep(2_000)  // the consumer is waiting on an empty queue
    queue.push([1, 2, 3])
    queue.close()
    #expect(try consumer.join() == [[1, 2, 3]])
  }

  @Test("Abandoning the stream wakes a producer waiting on a full queue; later pushes are refused")
  func abandon() throws {
    let queue = BlockQueue(capacity: 2)
    let pushed = Counter()
    let producer = BackgroundThread(name: "producer") { () -> Int in
      var accepted = 0
      for _ in 0..<10 where queue.push([0]) {
        accepted += 1
        pushed.increment()
      }
      return accepted
    }
    // Two blocks queued; the third push waits (or, if abandon comes first, is refused). Polled, not slept:
    // a fixed sleep lost the race on a loaded machine.
    while pushed.value < 2 { usleep(200) }
    usleep(2_000)
    queue.abandon()
    #expect(try producer.join() == 2)
    #expect(queue.pop() == nil)
  }

  @Test("BackgroundWork waits for everything started")
  func backgroundWork() {
    let work = BackgroundWork()
    let done = Mutex(0)
    for i in 0..<8 { work.start("work \(i)") { usleep(UInt32(1_000 * (8 - i))); done.withLock { $0 += 1 } } }
    work.joinAll()
    #expect(done.withLock { $0 } == 8)
  }
}

/// A thread-safe count for the tests above.
private final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0
  func increment() { lock.withLock { count += 1 } }
  var value: Int { lock.withLock { count } }
}
