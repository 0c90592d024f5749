#ifndef CHORUS_CCURL_SHIM_H
#define CHORUS_CCURL_SHIM_H
// libcurl is visible to the `HTTPClient` module only; no other module imports CCurl.
// `curl_easy_setopt` and `curl_easy_getinfo` are variadic, which Swift cannot call: these wrappers give
// each kind of argument a typed function.
#include <curl/curl.h>

typedef size_t (*chorus_curl_data_callback)(char *data, size_t size, size_t count, void *context);
typedef int (*chorus_curl_progress_callback)(void *context, curl_off_t download_total, curl_off_t downloaded,
                                             curl_off_t upload_total, curl_off_t uploaded);

static inline CURLcode chorus_curl_set_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode chorus_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// libcurl copies strings it is given (since 7.17), so `value` need only live for the call.
static inline CURLcode chorus_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode chorus_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode chorus_curl_set_list(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode chorus_curl_set_data_callback(CURL *handle, CURLoption option, chorus_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode chorus_curl_set_progress_callback(CURL *handle, chorus_curl_progress_callback value) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, value);
}

static inline CURLcode chorus_curl_get_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
#endif
