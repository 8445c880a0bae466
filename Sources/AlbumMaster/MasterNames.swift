import AudioIO
import Foundation

extension AlbumMasterer {
  /// Master file names: the source's name with the output format's extension; when two sources would
  /// collide (a.wav and a.flac both to FLAC), the colliding ones keep their source extension too; names that
  /// still meet, also case-insensitively, get `-2`, `-3`, … (first in album order keeps its name).
  public static func masterNames(_ files: [String], format: (String) -> AudioFileFormat?) -> [String] {
    let proposed = files.map { f -> String in
      let ext = format(f)?.container.fileExtension ?? (f as NSString).pathExtension
      return ((f as NSString).deletingPathExtension as NSString).appendingPathExtension(ext) ?? f
    }
    func counts(_ names: [String]) -> [String: Int] {
      var count: [String: Int] = [:]
      for p in names { count[p.lowercased(), default: 0] += 1 }
      return count
    }
    let first = counts(proposed)
    let named = zip(files, proposed).map { f, p in
      first[p.lowercased(), default: 0] > 1 ? (f as NSString).appendingPathExtension((p as NSString).pathExtension) ?? p : p
    }
    // Names can still meet (`a.wav` and `a.wav.wav` both give `a.wav.wav`; `a.wav` and `a.WAV` merge on a
    // case-insensitive disk or in a zip): the first in album order keeps its name, the others get `-2`, `-3`, …
    // before the extension, skipping every name already taken.
    let second = counts(named)
    var taken = Set(named.map { $0.lowercased() }.filter { second[$0] == 1 })
    return named.map { name in
      guard second[name.lowercased(), default: 0] > 1 else { return name }
      var candidate = name, k = 1
      while taken.contains(candidate.lowercased()) {
        k += 1
        let stem = (name as NSString).deletingPathExtension, ext = (name as NSString).pathExtension
        candidate = ext.isEmpty ? "\(stem)-\(k)" : "\(stem)-\(k).\(ext)"
      }
      taken.insert(candidate.lowercased())
      return candidate
    }
  }
}
