/// A container format that AlbumMaster reads and writes through libsndfile.
public enum AudioContainer: String, Sendable, Codable, CaseIterable {
  /// The named containers; the raw value is the name in analysis.json, the CSV and messages.
  case wav = "WAV", aiff = "AIFF", flac = "FLAC", ogg = "OGG", mp3 = "MP3", caf = "CAF", w64 = "W64", rf64 = "RF64"
  /// A container libsndfile reads that AlbumMaster never writes (e.g. AU, SD2).
  case other = "OTHER"

  /// The conventional file extension, without the dot.
  public var fileExtension: String {
    switch self {
    case .wav, .rf64: "wav"
    case .aiff: "aiff"
    case .flac: "flac"
    case .ogg: "ogg"
    case .mp3: "mp3"
    case .caf: "caf"
    case .w64: "w64"
    case .other: "bin"
    }
  }
}

/// How samples are stored inside a container.
public enum SampleEncoding: String, Sendable, Codable, CaseIterable {
  /// Integer PCM; `pcmU8` is the unsigned 8-bit of old WAV files, the others are signed. The raw value is
  /// libsndfile's subtype name, as in analysis.json and the CSV.
  case pcmS8 = "PCM_S8", pcmU8 = "PCM_U8", pcm16 = "PCM_16", pcm24 = "PCM_24", pcm32 = "PCM_32"
  /// IEEE float, 32 and 64 bits.
  case float32 = "FLOAT", float64 = "DOUBLE"
  /// Lossy codecs: read back as float.
  case vorbis = "VORBIS", opus = "OPUS", mp3 = "MPEG_LAYER_III"
  /// An encoding libsndfile reads but AlbumMaster does not name (e.g. µ-law, ADPCM).
  case other = "OTHER"

  /// Bits per sample for integer PCM, `nil` for float and lossy encodings.
  public var integerBits: Int? {
    switch self {
    case .pcmS8, .pcmU8: 8
    case .pcm16: 16
    case .pcm24: 24
    case .pcm32: 32
    default: nil
    }
  }

  /// Lossy codecs decode to float; their "bit depth" is meaningless.
  public var isLossy: Bool { self == .vorbis || self == .opus || self == .mp3 }
}

/// A container plus a sample encoding, e.g. FLAC / PCM_24.
public struct AudioFileFormat: Sendable, Hashable, Codable {
  /// The file type (WAV, FLAC, …).
  public var container: AudioContainer
  /// How samples are stored in it (PCM_24, FLOAT, …).
  public var encoding: SampleEncoding

  /// Creates a format; whether libsndfile accepts the pair is checked when a writer opens.
  public init(container: AudioContainer, encoding: SampleEncoding) {
    self.container = container
    self.encoding = encoding
  }
}

/// Text tags carried by a file (RIFF INFO, AIFF, Vorbis comments, ID3).
public struct AudioMetadata: Sendable, Hashable, Codable {
  /// Track title; nil when the file has no such tag.
  public var title: String?
  /// Artist; nil when untagged.
  public var artist: String?
  /// Album title; nil when untagged.
  public var album: String?
  /// Track number as tagged (free text, e.g. "3" or "3/12"); nil when untagged.
  public var trackNumber: String?
  /// Release date as tagged (free text); nil when untagged.
  public var date: String?

  /// Creates metadata; every field is optional.
  public init(
    title: String? = nil, artist: String? = nil, album: String? = nil, trackNumber: String? = nil, date: String? = nil
  ) {
    self.title = title
    self.artist = artist
    self.album = album
    self.trackNumber = trackNumber
    self.date = date
  }
}

/// A loudspeaker position, as far as BS.1770 channel weighting cares.
public enum ChannelPosition: String, Sendable, Codable {
  /// Front left/right/centre, LFE, surrounds (rear or side), a mono channel, and anything else (weighted
  /// as a front channel).
  case left, right, center, lfe, leftSurround, rightSurround, mono, other
}

/// What a reader learns from the file header.
public struct AudioFileInfo: Sendable, Hashable, Codable {
  /// Sample rate in Hz.
  public var sampleRate: Int
  /// Interleaved channels per frame.
  public var channels: Int
  /// Frames as the header states them; MP3 headers only estimate it.
  public var frames: Int64
  /// Container and sample encoding.
  public var format: AudioFileFormat
  /// The text tags; fields the file lacks are nil.
  public var metadata: AudioMetadata
  /// Speaker positions when the file carries a channel map (e.g. WAVE_FORMAT_EXTENSIBLE), else `nil`.
  public var channelMap: [ChannelPosition]?

  /// Creates an info record.
  public init(
    sampleRate: Int, channels: Int, frames: Int64, format: AudioFileFormat, metadata: AudioMetadata = .init(),
    channelMap: [ChannelPosition]? = nil
  ) {
    self.sampleRate = sampleRate
    self.channels = channels
    self.frames = frames
    self.format = format
    self.metadata = metadata
    self.channelMap = channelMap
  }

  /// Duration in seconds, from the header's frame count.
  public var durationSeconds: Double { sampleRate > 0 ? Double(frames) / Double(sampleRate) : 0 }
}

/// File extensions that AlbumMaster considers audio when it discovers the tracks of an album.
public let audioFileExtensions: Set<String> = [
  "wav", "wave", "aif", "aiff", "aifc", "flac", "ogg", "oga", "opus", "mp3", "caf", "w64", "rf64",
]

/// Limits the reader accepts; outside them a file is reported, not guessed at.
public enum AudioLimits {
  /// Channel counts a file may have.
  public static let channels = 1...8
  /// Sample rates a file may have, in Hz.
  public static let sampleRateHz = 8_000...384_000
  /// A float sample larger than this (+180 dBFS) is corrupt data, not audio: the analysis counts it and measures
  /// it as 0, the renderer writes 0. Well below where the meters' Float arithmetic would overflow (about 1e15).
  public static let maxSampleMagnitude: Float = 1e9
}
