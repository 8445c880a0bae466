import DSP
import Testing

@Suite struct VectorMathTests {
  @Test("maxMagnitude is the largest |x| wherever it sits: in a SIMD lane, in the tail, negative or positive",
        arguments: [0, 1, 15, 16, 17, 33, 1000])
  func maxMagnitude(count: Int) {
    var x = (0..<count).map { Float(($0 * 37) % 101) / 200 - 0.25 }  // values in −0.25…0.25
    #expect(VectorMath.maxMagnitude(x, count: count) == x.map(abs).max() ?? 0)
    for position in Set([0, count / 2, count - 1]) where position >= 0 && position < count {
      for value: Float in [-0.9, 0.9] {
        var y = x
        y[position] = value
        #expect(VectorMath.maxMagnitude(y, count: count) == 0.9, "count \(count), at \(position), \(value)")
      }
    }
    x = [Float](repeating: -0, count: count)
    #expect(VectorMath.maxMagnitude(x, count: count) == 0)
  }
}
