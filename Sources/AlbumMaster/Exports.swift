// The public API of the `AlbumMaster` library: its own types, plus these from the implementation modules, so
// that `import AlbumMaster` alone names everything an embedder needs. Nothing else of those modules is exported.
@_exported import struct Analysis.TrackAnalysis
@_exported import struct Analysis.TrackFailure
@_exported import struct AudioIO.AudioFileFormat
@_exported import enum AudioIO.AudioContainer
@_exported import struct Matching.AlbumPlan
@_exported import struct Matching.TrackPlan
@_exported import struct Matching.AlbumProfile
@_exported import struct Matching.MatchingOptions
@_exported import struct Matching.MatchingOverrides
@_exported import enum Matching.LoudnessMode
@_exported import enum DSP.EQPhase
@_exported import struct Matching.InputError
@_exported import struct QualityControl.DeliveryPreset
@_exported import struct QualityControl.QAReport
@_exported import struct QualityControl.QAFinding
@_exported import enum QualityControl.QAStatus
@_exported import struct Rendering.RenderSettings
@_exported import enum Rendering.OutputBits
@_exported import enum Rendering.DitherMode
@_exported import enum Rendering.OutputFormatName
@_exported import enum Rendering.OutputFormatChoice
@_exported import struct Rendering.EditSettings
@_exported import struct Reports.AnalysisDocument
@_exported import struct Reports.MasterResult
@_exported import enum Reports.MasterVerdict
