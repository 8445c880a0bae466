// Only this file touches TagLib (see include/tagshim.h for why TagLib at all).
#include "tagshim.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include <taglib/flacfile.h>
#include <taglib/mpegfile.h>
#include <taglib/opusfile.h>
#include <taglib/tpropertymap.h>
#include <taglib/vorbisfile.h>
#include <taglib/wavfile.h>

namespace {

void fail(char *error, int size, const std::string &reason) {
  if (error == nullptr || size <= 0) return;
  std::strncpy(error, reason.c_str(), size_t(size) - 1);
  error[size - 1] = 0;
}

std::unique_ptr<TagLib::File> open(const char *path, int kind) {
  switch (kind) {
  case AM_TAG_FLAC: return std::make_unique<TagLib::FLAC::File>(path, false);
  case AM_TAG_VORBIS: return std::make_unique<TagLib::Ogg::Vorbis::File>(path, false);
  case AM_TAG_OPUS: return std::make_unique<TagLib::Ogg::Opus::File>(path, false);
  case AM_TAG_MPEG: return std::make_unique<TagLib::MPEG::File>(path, false);
  case AM_TAG_WAV: return std::make_unique<TagLib::RIFF::WAV::File>(path, false);
  default: return nullptr;
  }
}

TagLib::String utf8(const char *s) { return TagLib::String(s, TagLib::String::UTF8); }

}  // namespace

extern "C" int am_tag_write(const char *path, int kind, const char *const *keys, const char *const *values, int count,
                            const char *const *managed, int managedCount, char *error, int errorSize) {
  auto file = open(path, kind);
  if (!file || !file->isValid()) {
    fail(error, errorSize, "TagLib cannot read the file's structure");
    return -1;
  }
  TagLib::PropertyMap map = file->properties();
  for (int i = 0; i < managedCount; i++) map.erase(utf8(managed[i]));
  for (int i = 0; i < count; i++) {
    TagLib::String key = utf8(keys[i]);
    if (map.contains(key)) map[key].append(utf8(values[i]));
    else map.insert(key, TagLib::StringList(utf8(values[i])));
  }
  TagLib::PropertyMap refused = file->setProperties(map);
  for (int i = 0; i < count; i++) {
    if (refused.contains(utf8(keys[i]))) {
      fail(error, errorSize, std::string("the format cannot hold the tag ") + keys[i]);
      return -1;
    }
  }
  bool saved;
  if (auto *mp3 = dynamic_cast<TagLib::MPEG::File *>(file.get())) {
    // ID3v2.4 only: the encoder's ID3v1 tag (30 characters a field: a credit would be cut) is removed.
    saved = mp3->save(TagLib::MPEG::File::ID3v2, TagLib::File::StripOthers, TagLib::ID3v2::v4,
                      TagLib::File::DoNotDuplicate);
  } else {
    saved = file->save();
  }
  if (!saved) {
    fail(error, errorSize, "TagLib could not save the tags");
    return -1;
  }
  return 0;
}

extern "C" char *am_tag_read(const char *path, int kind, char *error, int errorSize) {
  auto file = open(path, kind);
  if (!file || !file->isValid()) {
    fail(error, errorSize, "TagLib cannot read the file's structure");
    return nullptr;
  }
  std::string out;
  const TagLib::PropertyMap map = file->properties();
  for (auto it = map.begin(); it != map.end(); ++it) {
    for (auto v = it->second.begin(); v != it->second.end(); ++v) {
      out += it->first.to8Bit(true);
      out += '\x1f';
      out += v->to8Bit(true);
      out += '\x1e';
    }
  }
  char *text = static_cast<char *>(std::malloc(out.size() + 1));
  if (text == nullptr) {
    fail(error, errorSize, "out of memory");
    return nullptr;
  }
  std::memcpy(text, out.c_str(), out.size() + 1);
  return text;
}

extern "C" void am_tag_free(char *text) { std::free(text); }
