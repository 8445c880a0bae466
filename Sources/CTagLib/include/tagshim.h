#pragma once
// The C face of TagLib for AudioIO (the only Swift code that calls it). TagLib is C++, and its C API
// (libtagc) has no property map in 1.13: libsndfile cannot write ID3 TXXX frames, Opus tags or arbitrary
// Vorbis comments, so this shim writes them through TagLib::PropertyMap.
#ifdef __cplusplus
extern "C" {
#endif

/// The kinds of file the shim opens (the caller knows the format; the temp file's name has no extension).
enum am_tag_kind { AM_TAG_FLAC = 1, AM_TAG_VORBIS = 2, AM_TAG_OPUS = 3, AM_TAG_MPEG = 4, AM_TAG_WAV = 5 };

/// Replaces the properties named in `managed` (removing those without a value) with `keys[i] = values[i]`
/// (a key repeated gives several values, in order) and saves the file in place. Other properties stay.
/// Returns 0, or -1 with a one-line reason in `error`.
int am_tag_write(const char *path, int kind, const char *const *keys, const char *const *values, int count,
                 const char *const *managed, int managedCount, char *error, int errorSize);

/// Every property of the file as `KEY\x1fVALUE\x1e` records (a malloc'd string for `am_tag_free`), or NULL
/// with a reason in `error`.
char *am_tag_read(const char *path, int kind, char *error, int errorSize);

/// Frees what `am_tag_read` returned.
void am_tag_free(char *text);

#ifdef __cplusplus
}
#endif
