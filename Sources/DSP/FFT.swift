import CFFTW3
import Synchronization

/// FFTW plans are made once per length and shared; only FFTW's execute functions are thread-safe,
/// so planning happens under a lock. `FFTW_ESTIMATE` keeps the chosen algorithm, and so every output
/// bit, the same from run to run (`FFTW_MEASURE` times candidates and may pick differently).
final class FFTPlanCache: Sendable {
  static let shared = FFTPlanCache()

  private struct Plans: @unchecked Sendable {  // plans are immutable once made and only executed
    var forward: [Int: OpaquePointer] = [:]
    var inverse: [Int: OpaquePointer] = [:]
  }
  private let plans = Mutex(Plans())

  private init() { fftwf_make_planner_thread_safe() }

  func forward(length: Int) -> OpaquePointer {
    plans.withLock { p in
      if let plan = p.forward[length] { return plan }
      let input = fftwf_alloc_real(length)!
      let output = fftwf_alloc_complex(length / 2 + 1)!
      defer {
        fftwf_free(input)
        fftwf_free(output)
      }
      let plan = fftwf_plan_dft_r2c_1d(Int32(length), input, output, FFTW_ESTIMATE)!
      p.forward[length] = plan
      return plan
    }
  }

  func inverse(length: Int) -> OpaquePointer {
    plans.withLock { p in
      if let plan = p.inverse[length] { return plan }
      let input = fftwf_alloc_complex(length / 2 + 1)!
      let output = fftwf_alloc_real(length)!
      defer {
        fftwf_free(input)
        fftwf_free(output)
      }
      let plan = fftwf_plan_dft_c2r_1d(Int32(length), input, output, FFTW_ESTIMATE)!
      p.inverse[length] = plan
      return plan
    }
  }
}

/// A real-to-complex FFT of one length with its own SIMD-aligned buffers.
///
/// Fill `real`, call `forward()`, read `spectrum` (bins 0…N/2), or fill `spectrum` and call `inverse()`.
/// FFTW does not normalize: a forward then inverse transform scales by `length`.
/// One owner per instance; create one per task.
public struct RealFFT: ~Copyable {
  /// Transform length N (any size; powers of two are fastest).
  public let length: Int
  /// N real samples.
  public let real: UnsafeMutableBufferPointer<Float>
  /// N/2 + 1 complex bins as interleaved (re, im) pairs.
  public let spectrum: UnsafeMutableBufferPointer<Float>
  private let forwardPlan: OpaquePointer
  private let inversePlan: OpaquePointer

  /// Allocates buffers for a transform of `length` samples.
  public init(length: Int) {
    precondition(length >= 2, "FFT length must be at least 2")
    self.length = length
    real = UnsafeMutableBufferPointer(start: fftwf_alloc_real(length)!, count: length)
    real.initialize(repeating: 0)
    let bins = length / 2 + 1
    let complex = fftwf_alloc_complex(bins)!
    spectrum = UnsafeMutableRawPointer(complex).bindMemory(to: Float.self, capacity: 2 * bins)
      .withMemoryRebound(to: Float.self, capacity: 2 * bins) { UnsafeMutableBufferPointer(start: $0, count: 2 * bins) }
    spectrum.initialize(repeating: 0)
    forwardPlan = FFTPlanCache.shared.forward(length: length)
    inversePlan = FFTPlanCache.shared.inverse(length: length)
  }

  deinit {
    fftwf_free(real.baseAddress)
    fftwf_free(spectrum.baseAddress)
  }

  /// `spectrum` ← DFT(`real`).
  public func forward() {
    spectrum.baseAddress!.withMemoryRebound(to: fftwf_complex.self, capacity: length / 2 + 1) {
      fftwf_execute_dft_r2c(forwardPlan, real.baseAddress, $0)
    }
  }

  /// `real` ← inverse DFT(`spectrum`), unnormalized (× N). FFTW overwrites `spectrum`.
  public func inverse() {
    spectrum.baseAddress!.withMemoryRebound(to: fftwf_complex.self, capacity: length / 2 + 1) {
      fftwf_execute_dft_c2r(inversePlan, $0, real.baseAddress)
    }
  }
}
