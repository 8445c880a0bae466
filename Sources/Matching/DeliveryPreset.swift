/// A delivery target: where a platform or standard wants loudness and true peak (measurements.md).
public struct DeliveryPreset: Sendable, Hashable, Codable {
  public var name: String
  /// The loudness the platform normalizes to or the standard requires; `nil` where there is none (CD).
  public var targetLUFS: Double?
  /// The highest true peak allowed.
  public var ceilingDBTP: Double
  public var source: String

  /// The presets, as data.
  public static let all: [DeliveryPreset] = [
    .init(name: "spotify", targetLUFS: -14, ceilingDBTP: -1, source: "Spotify for Artists, Loudness normalization"),
    .init(name: "apple-music", targetLUFS: -16, ceilingDBTP: -1, source: "Apple Digital Masters (approximate)"),
    .init(name: "youtube", targetLUFS: -14, ceilingDBTP: -1, source: "public measurements"),
    .init(name: "tidal", targetLUFS: -14, ceilingDBTP: -1, source: "Tidal loudness normalization notes"),
    .init(name: "amazon-music", targetLUFS: -14, ceilingDBTP: -2, source: "secondary sources; approximate"),
    .init(name: "ebu-r128", targetLUFS: -23, ceilingDBTP: -1, source: "EBU R 128"),
    .init(name: "atsc-a85", targetLUFS: -24, ceilingDBTP: -2, source: "ATSC A/85"),
    .init(name: "aes-td1008-album", targetLUFS: -14, ceilingDBTP: -1, source: "AES TD1008"),
    .init(name: "cd-redbook", targetLUFS: nil, ceilingDBTP: -0.1, source: "Red Book"),
  ]

  /// The preset called `name`, if any.
  public static func named(_ name: String) -> DeliveryPreset? { all.first { $0.name == name } }
}
