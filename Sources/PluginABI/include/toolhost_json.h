/*
 * toolhost_json.h — read a call's arguments and write its result in C, without a JSON library.
 *
 * Header-only and optional: the plugin contract is toolhost_plugin.h alone; this file only saves a
 * C toolset from writing its own JSON code. Every function is `static inline`, so including it in
 * several files of one plugin is fine and nothing is exported from the plugin.
 *
 * READING
 *     th_json_error error;
 *     th_json_document *doc = th_json_parse(args, args_len, &error);
 *     if (!doc) ... error.message, error.offset ...
 *     const char *title = th_json_get_string(&doc->root, "title");   // NULL: absent or not a string
 *     int64_t limit = 20;
 *     th_json_as_int64(th_json_get(&doc->root, "limit"), &limit);    // 0 and `limit` untouched if absent
 *     ...
 *     th_json_free(doc);                                             // frees every value and string of doc
 *
 *   - Strict RFC 8259, the same grammar the host's parser accepts: no comments, trailing commas,
 *     leading zeros, byte order mark or unescaped control characters; at most TH_JSON_MAX_DEPTH
 *     nested arrays/objects (256, like the host, so any `args` the host validated parses here).
 *   - Text is UTF-8 in and out. Invalid UTF-8 (overlong forms, surrogates, code points past
 *     U+10FFFF, truncated sequences) is refused. \uXXXX escapes are decoded to UTF-8, surrogate
 *     pairs joined into one code point; a lone surrogate (\uD800 alone, \uDC00 first) cannot be
 *     written in UTF-8 and is refused, as the host refuses it.
 *   - Decoded strings are NUL-terminated, but "\u0000" decodes to a real NUL byte: where that
 *     matters, use the value's `length`, not strlen().
 *   - Duplicate member names: the host never passes `args` that repeat a name (toolhost_plugin.h,
 *     th_call_fn), so lookup simply returns the first member with the name.
 *   - Allocation: everything a document holds lives in memory owned by the document. Pointers
 *     into it (values, strings, names) stay valid until th_json_free(doc); the input bytes are not
 *     referenced after th_json_parse returns. Nothing is shared between documents, so parsing on
 *     several threads at once is safe.
 *   - Numbers keep both their double value and the literal as written (`text`), so integers beyond
 *     2^53 are not rounded by th_json_as_int64. Conversions use strtod/snprintf, which follow the C
 *     locale: the host never changes it from "C", and a plugin must not call setlocale().
 *
 * WRITING
 *     th_json_writer w = TH_JSON_WRITER_INIT;
 *     th_json_begin_object(&w);
 *     th_json_key(&w, "id");    th_json_write_int64(&w, 42);
 *     th_json_key(&w, "title"); th_json_write_string(&w, title);
 *     th_json_end_object(&w);
 *     return th_json_result(result, "Saved.", &w, 0);   // consumes w; frees on every path
 *
 *   - Commas are placed for you; a key outside an object, a value without its key, an unbalanced
 *     end or a second top-level value marks the writer failed instead of producing broken JSON.
 *   - Strings are escaped as JSON requires (quote, backslash, every control character); all other
 *     characters, non-ASCII included, are copied as UTF-8. A string that is not valid UTF-8 marks
 *     the writer failed (the host would refuse the result as malformed anyway).
 *   - Once failed, a writer ignores further writes; `error` says why (a static string).
 *   - th_json_writer_finish() hands over a malloc'd, NUL-terminated buffer (free() it), or NULL
 *     and frees everything if the writer failed or ran out of memory.
 *
 * RESULTS (toolhost_plugin.h section 6)
 *   th_json_result(result, text, structured, is_error) fills a th_call_result with
 *       {"content":[{"type":"text","text":TEXT}],"structuredContent":STRUCTURED,"isError":IS_ERROR}
 *   (no structuredContent when `structured` is NULL; TEXT defaults to the structured JSON itself).
 *   The JSON is malloc'd; call th_json_release_result(result) from the toolset's release_result.
 *   th_json_text_result and th_json_error_result are the text-only shorthands.
 */
#ifndef TOOLHOST_JSON_H
#define TOOLHOST_JSON_H

#include "toolhost_plugin.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef TH_JSON_MAX_DEPTH
#define TH_JSON_MAX_DEPTH 256
#endif

/* ========================================================================= */
/* Values                                                                    */
/* ========================================================================= */

typedef enum th_json_type {
    TH_JSON_NULL = 0,
    TH_JSON_FALSE,
    TH_JSON_TRUE,
    TH_JSON_NUMBER,
    TH_JSON_STRING,
    TH_JSON_ARRAY,
    TH_JSON_OBJECT
} th_json_type;

typedef struct th_json_member th_json_member;

typedef struct th_json_value {
    th_json_type type;
    /** STRING: bytes of the decoded UTF-8 (without the terminating NUL); ARRAY: elements; OBJECT: members. */
    size_t length;
    /** STRING: the decoded text; NUMBER: the literal as written (e.g. "-1.5e3"). NUL-terminated. */
    const char *text;
    /** NUMBER: the value as a double (±HUGE_VAL when out of range). */
    double number;
    /** ARRAY: `length` elements. */
    const struct th_json_value *elements;
    /** OBJECT: `length` members, in document order. */
    const th_json_member *members;
} th_json_value;

struct th_json_member {
    const char *name;    /* decoded, NUL-terminated */
    size_t name_length;  /* bytes, for names holding "\u0000" */
    th_json_value value;
};

typedef struct th_json_block th_json_block;

/** A parsed document: `root` plus the memory every value and string of it lives in. */
typedef struct th_json_document {
    th_json_value root;
    th_json_block *blocks; /* private */
} th_json_document;

/** Why th_json_parse refused its input. */
typedef struct th_json_error {
    size_t offset;       /* byte offset in the input where the problem was found */
    const char *message; /* static text, e.g. "invalid UTF-8 in a string" */
} th_json_error;

/* ========================================================================= */
/* Document memory: bump allocation in blocks, all freed by th_json_free.    */
/* ========================================================================= */

struct th_json_block {
    th_json_block *next;
    size_t used, capacity;
};

/* Rounded so that what follows a block header, and every allocation in it, is suitably aligned. */
#define TH_JSON_ALIGN_ 16u
#define TH_JSON_ROUND_(n) (((n) + (TH_JSON_ALIGN_ - 1)) & ~(size_t)(TH_JSON_ALIGN_ - 1))

static inline void *th_json_allocate_(th_json_document *doc, size_t size) {
    size = TH_JSON_ROUND_(size ? size : 1);
    th_json_block *block = doc->blocks;
    if (!block || block->capacity - block->used < size) {
        size_t capacity = block ? block->capacity * 2 : 4096;
        if (capacity < size) capacity = size;
        th_json_block *grown = (th_json_block *)malloc(TH_JSON_ROUND_(sizeof(th_json_block)) + capacity);
        if (!grown) return NULL;
        grown->next = block;
        grown->used = 0;
        grown->capacity = capacity;
        doc->blocks = grown;
        block = grown;
    }
    void *memory = (char *)block + TH_JSON_ROUND_(sizeof(th_json_block)) + block->used;
    block->used += size;
    return memory;
}

/** Frees the document and everything in it. NULL is fine. */
static inline void th_json_free(th_json_document *doc) {
    if (!doc) return;
    th_json_block *block = doc->blocks;
    while (block) {
        th_json_block *next = block->next;
        free(block);
        block = next;
    }
    free(doc);
}

/* ========================================================================= */
/* UTF-8                                                                     */
/* ========================================================================= */

/**
 * Length of the well-formed UTF-8 sequence at s (at most `available` bytes), or 0 if it is not
 * one (Unicode table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF).
 */
static inline size_t th_json_utf8_sequence_length_(const unsigned char *s, size_t available) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t length;
    unsigned char low = 0x80, high = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) length = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        length = 3;
        if (c == 0xE0) low = 0xA0;        /* overlong */
        else if (c == 0xED) high = 0x9F;  /* U+D800..U+DFFF */
    } else if (c >= 0xF0 && c <= 0xF4) {
        length = 4;
        if (c == 0xF0) low = 0x90;        /* overlong */
        else if (c == 0xF4) high = 0x8F;  /* past U+10FFFF */
    } else return 0;
    if (available < length) return 0;
    if (s[1] < low || s[1] > high) return 0;
    for (size_t i = 2; i < length; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return length;
}

/** Writes code point cp (not a surrogate, at most U+10FFFF) as UTF-8 into out; returns the byte count. */
static inline size_t th_json_utf8_encode_(uint32_t cp, unsigned char out[4]) {
    if (cp < 0x80) { out[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ========================================================================= */
/* Parser                                                                    */
/* ========================================================================= */

typedef struct th_json_parser_ {
    const unsigned char *at, *start, *end;
    th_json_document *doc;
    th_json_error error;
    /* Children of the containers being parsed, innermost last; moved into the document when a container closes. */
    th_json_value *values;
    size_t values_count, values_capacity;
    th_json_member *members;
    size_t members_count, members_capacity;
    /* A decoded string before it is copied into the document. */
    unsigned char *scratch;
    size_t scratch_length, scratch_capacity;
} th_json_parser_;

static inline int th_json_fail_(th_json_parser_ *p, const unsigned char *where, const char *message) {
    if (!p->error.message) {
        p->error.message = message;
        p->error.offset = (size_t)(where - p->start);
    }
    return 0;
}

static inline void th_json_skip_whitespace_(th_json_parser_ *p) {
    while (p->at < p->end && (*p->at == ' ' || *p->at == '\t' || *p->at == '\n' || *p->at == '\r')) p->at++;
}

/* Grows *buffer (of element size `size`) so it holds at least `needed` elements. */
static inline int th_json_reserve_(void **buffer, size_t *capacity, size_t needed, size_t size) {
    if (needed <= *capacity) return 1;
    size_t grown = *capacity ? *capacity * 2 : 16;
    while (grown < needed) grown *= 2;
    void *memory = realloc(*buffer, grown * size);
    if (!memory) return 0;
    *buffer = memory;
    *capacity = grown;
    return 1;
}

static inline int th_json_scratch_append_(th_json_parser_ *p, const unsigned char *bytes, size_t count) {
    if (!th_json_reserve_((void **)&p->scratch, &p->scratch_capacity, p->scratch_length + count, 1))
        return th_json_fail_(p, p->at, "out of memory");
    memcpy(p->scratch + p->scratch_length, bytes, count);
    p->scratch_length += count;
    return 1;
}

static inline int th_json_hex4_(th_json_parser_ *p, uint32_t *out) {
    if (p->end - p->at < 4) return th_json_fail_(p, p->at, "truncated \\u escape");
    uint32_t value = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char h = p->at[i];
        value <<= 4;
        if (h >= '0' && h <= '9') value |= (uint32_t)(h - '0');
        else if (h >= 'a' && h <= 'f') value |= (uint32_t)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F') value |= (uint32_t)(h - 'A' + 10);
        else return th_json_fail_(p, p->at + i, "invalid hex digit in a \\u escape");
    }
    p->at += 4;
    *out = value;
    return 1;
}

/* Reads the string at p->at (on its opening quote) into a NUL-terminated copy in the document. */
static inline int th_json_parse_string_(th_json_parser_ *p, const char **text, size_t *length) {
    p->at++; /* opening quote */
    p->scratch_length = 0;
    for (;;) {
        /* Copy a run of plain characters at once. */
        const unsigned char *run = p->at;
        while (p->at < p->end && *p->at != '"' && *p->at != '\\' && *p->at >= 0x20) {
            if (*p->at < 0x80) { p->at++; continue; }
            size_t n = th_json_utf8_sequence_length_(p->at, (size_t)(p->end - p->at));
            if (!n) return th_json_fail_(p, p->at, "invalid UTF-8 in a string");
            p->at += n;
        }
        if (p->at > run && !th_json_scratch_append_(p, run, (size_t)(p->at - run))) return 0;
        if (p->at >= p->end) return th_json_fail_(p, p->at, "unterminated string");
        unsigned char c = *p->at;
        if (c == '"') { p->at++; break; }
        if (c < 0x20) return th_json_fail_(p, p->at, "unescaped control character in a string");
        /* A backslash escape. */
        const unsigned char *escape = p->at;
        if (p->end - p->at < 2) return th_json_fail_(p, p->at, "unterminated string");
        unsigned char e = p->at[1];
        p->at += 2;
        unsigned char decoded[4];
        size_t decoded_length = 1;
        switch (e) {
        case '"': decoded[0] = '"'; break;
        case '\\': decoded[0] = '\\'; break;
        case '/': decoded[0] = '/'; break;
        case 'b': decoded[0] = '\b'; break;
        case 'f': decoded[0] = '\f'; break;
        case 'n': decoded[0] = '\n'; break;
        case 'r': decoded[0] = '\r'; break;
        case 't': decoded[0] = '\t'; break;
        case 'u': {
            uint32_t cp;
            if (!th_json_hex4_(p, &cp)) return 0;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return th_json_fail_(p, escape, "lone low surrogate in a \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t low;
                if (p->end - p->at < 2 || p->at[0] != '\\' || p->at[1] != 'u')
                    return th_json_fail_(p, escape, "lone high surrogate in a \\u escape");
                p->at += 2;
                if (!th_json_hex4_(p, &low)) return 0;
                if (low < 0xDC00 || low > 0xDFFF) return th_json_fail_(p, escape, "invalid surrogate pair in a \\u escape");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            decoded_length = th_json_utf8_encode_(cp, decoded);
            break;
        }
        default: return th_json_fail_(p, escape, "invalid escape in a string");
        }
        if (!th_json_scratch_append_(p, decoded, decoded_length)) return 0;
    }
    char *copy = (char *)th_json_allocate_(p->doc, p->scratch_length + 1);
    if (!copy) return th_json_fail_(p, p->at, "out of memory");
    if (p->scratch_length) memcpy(copy, p->scratch, p->scratch_length);
    copy[p->scratch_length] = 0;
    *text = copy;
    *length = p->scratch_length;
    return 1;
}

static inline int th_json_is_digit_(const th_json_parser_ *p) { return p->at < p->end && *p->at >= '0' && *p->at <= '9'; }

static inline int th_json_parse_number_(th_json_parser_ *p, th_json_value *out) {
    const unsigned char *start = p->at;
    if (*p->at == '-') p->at++;
    if (!th_json_is_digit_(p)) return th_json_fail_(p, p->at, "invalid number");
    if (*p->at == '0') {
        p->at++;
        if (th_json_is_digit_(p)) return th_json_fail_(p, p->at, "leading zero in a number");
    } else {
        while (th_json_is_digit_(p)) p->at++;
    }
    if (p->at < p->end && *p->at == '.') {
        p->at++;
        if (!th_json_is_digit_(p)) return th_json_fail_(p, p->at, "a digit must follow the decimal point");
        while (th_json_is_digit_(p)) p->at++;
    }
    if (p->at < p->end && (*p->at == 'e' || *p->at == 'E')) {
        p->at++;
        if (p->at < p->end && (*p->at == '+' || *p->at == '-')) p->at++;
        if (!th_json_is_digit_(p)) return th_json_fail_(p, p->at, "a digit must follow the exponent");
        while (th_json_is_digit_(p)) p->at++;
    }
    size_t length = (size_t)(p->at - start);
    char *text = (char *)th_json_allocate_(p->doc, length + 1);
    if (!text) return th_json_fail_(p, start, "out of memory");
    memcpy(text, start, length);
    text[length] = 0;
    out->type = TH_JSON_NUMBER;
    out->text = text;
    out->length = length;
    out->number = strtod(text, NULL);
    return 1;
}

static inline int th_json_parse_literal_(th_json_parser_ *p, const char *word, th_json_type type, th_json_value *out) {
    size_t length = strlen(word);
    if ((size_t)(p->end - p->at) < length || memcmp(p->at, word, length) != 0)
        return th_json_fail_(p, p->at, "invalid literal (expected true, false or null)");
    p->at += length;
    out->type = type;
    return 1;
}

static inline int th_json_parse_value_(th_json_parser_ *p, th_json_value *out, int depth);

static inline int th_json_parse_array_(th_json_parser_ *p, th_json_value *out, int depth) {
    size_t base = p->values_count;
    p->at++; /* [ */
    th_json_skip_whitespace_(p);
    if (p->at < p->end && *p->at == ']') {
        p->at++;
    } else {
        for (;;) {
            th_json_value element;
            if (!th_json_parse_value_(p, &element, depth + 1)) return 0;
            if (!th_json_reserve_((void **)&p->values, &p->values_capacity, p->values_count + 1, sizeof(th_json_value)))
                return th_json_fail_(p, p->at, "out of memory");
            p->values[p->values_count++] = element;
            th_json_skip_whitespace_(p);
            if (p->at < p->end && *p->at == ',') { p->at++; continue; }
            if (p->at < p->end && *p->at == ']') { p->at++; break; }
            return th_json_fail_(p, p->at, "expected ',' or ']' in an array");
        }
    }
    size_t count = p->values_count - base;
    th_json_value *elements = NULL;
    if (count) {
        elements = (th_json_value *)th_json_allocate_(p->doc, count * sizeof(th_json_value));
        if (!elements) return th_json_fail_(p, p->at, "out of memory");
        memcpy(elements, p->values + base, count * sizeof(th_json_value));
    }
    p->values_count = base;
    out->type = TH_JSON_ARRAY;
    out->length = count;
    out->elements = elements;
    return 1;
}

static inline int th_json_parse_object_(th_json_parser_ *p, th_json_value *out, int depth) {
    size_t base = p->members_count;
    p->at++; /* { */
    th_json_skip_whitespace_(p);
    if (p->at < p->end && *p->at == '}') {
        p->at++;
    } else {
        for (;;) {
            th_json_member member;
            memset(&member, 0, sizeof member);
            th_json_skip_whitespace_(p);
            if (p->at >= p->end || *p->at != '"') return th_json_fail_(p, p->at, "expected a member name string");
            if (!th_json_parse_string_(p, &member.name, &member.name_length)) return 0;
            th_json_skip_whitespace_(p);
            if (p->at >= p->end || *p->at != ':') return th_json_fail_(p, p->at, "expected ':' after a member name");
            p->at++;
            if (!th_json_parse_value_(p, &member.value, depth + 1)) return 0;
            if (!th_json_reserve_((void **)&p->members, &p->members_capacity, p->members_count + 1, sizeof(th_json_member)))
                return th_json_fail_(p, p->at, "out of memory");
            p->members[p->members_count++] = member;
            th_json_skip_whitespace_(p);
            if (p->at < p->end && *p->at == ',') { p->at++; continue; }
            if (p->at < p->end && *p->at == '}') { p->at++; break; }
            return th_json_fail_(p, p->at, "expected ',' or '}' in an object");
        }
    }
    size_t count = p->members_count - base;
    th_json_member *members = NULL;
    if (count) {
        members = (th_json_member *)th_json_allocate_(p->doc, count * sizeof(th_json_member));
        if (!members) return th_json_fail_(p, p->at, "out of memory");
        memcpy(members, p->members + base, count * sizeof(th_json_member));
    }
    p->members_count = base;
    out->type = TH_JSON_OBJECT;
    out->length = count;
    out->members = members;
    return 1;
}

static inline int th_json_parse_value_(th_json_parser_ *p, th_json_value *out, int depth) {
    memset(out, 0, sizeof *out);
    th_json_skip_whitespace_(p);
    if (p->at >= p->end) return th_json_fail_(p, p->at, "unexpected end of input");
    switch (*p->at) {
    case '{':
    case '[':
        /* Recursion depth is bounded so a hostile document cannot exhaust a worker thread's stack. */
        if (depth >= TH_JSON_MAX_DEPTH) return th_json_fail_(p, p->at, "nesting deeper than TH_JSON_MAX_DEPTH");
        return *p->at == '{' ? th_json_parse_object_(p, out, depth) : th_json_parse_array_(p, out, depth);
    case '"':
        out->type = TH_JSON_STRING;
        return th_json_parse_string_(p, &out->text, &out->length);
    case 't': return th_json_parse_literal_(p, "true", TH_JSON_TRUE, out);
    case 'f': return th_json_parse_literal_(p, "false", TH_JSON_FALSE, out);
    case 'n': return th_json_parse_literal_(p, "null", TH_JSON_NULL, out);
    default:
        if (*p->at == '-' || (*p->at >= '0' && *p->at <= '9')) return th_json_parse_number_(p, out);
        return th_json_fail_(p, p->at, "unexpected character");
    }
}

/**
 * Parses `length` bytes of UTF-8 JSON (any value at the top). Returns a document to free with
 * th_json_free, or NULL with `error` (may be NULL) saying why.
 */
static inline th_json_document *th_json_parse(const char *json, size_t length, th_json_error *error) {
    th_json_parser_ p;
    memset(&p, 0, sizeof p);
    p.start = p.at = (const unsigned char *)(json ? json : "");
    p.end = p.start + (json ? length : 0);
    p.doc = (th_json_document *)calloc(1, sizeof(th_json_document));
    if (p.doc) {
        if (th_json_parse_value_(&p, &p.doc->root, 0)) {
            th_json_skip_whitespace_(&p);
            if (p.at != p.end) th_json_fail_(&p, p.at, "unexpected data after the JSON value");
        }
    } else {
        th_json_fail_(&p, p.at, "out of memory");
    }
    free(p.values);
    free(p.members);
    free(p.scratch);
    if (p.error.message) {
        th_json_free(p.doc);
        p.doc = NULL;
    }
    if (error) *error = p.error;
    return p.doc;
}

/* ========================================================================= */
/* Reading values. Every accessor accepts NULL, so lookups can be chained.   */
/* ========================================================================= */

/** The first member of `object` named `name`; NULL if absent or `object` is not an object. */
static inline const th_json_value *th_json_get(const th_json_value *object, const char *name) {
    if (!object || object->type != TH_JSON_OBJECT || !name) return NULL;
    size_t length = strlen(name);
    for (size_t i = 0; i < object->length; i++) {
        const th_json_member *m = &object->members[i];
        if (m->name_length == length && memcmp(m->name, name, length) == 0) return &m->value;
    }
    return NULL;
}

/** Element `index` of an array; NULL if out of range or not an array. */
static inline const th_json_value *th_json_at(const th_json_value *array, size_t index) {
    if (!array || array->type != TH_JSON_ARRAY || index >= array->length) return NULL;
    return &array->elements[index];
}

/** Elements of an array or members of an object; 0 for anything else. */
static inline size_t th_json_count(const th_json_value *value) {
    if (!value || (value->type != TH_JSON_ARRAY && value->type != TH_JSON_OBJECT)) return 0;
    return value->length;
}

/** The decoded text of a string (see `length` for embedded NULs); NULL if not a string. */
static inline const char *th_json_as_string(const th_json_value *value) {
    return value && value->type == TH_JSON_STRING ? value->text : NULL;
}

/** Shorthand for th_json_as_string(th_json_get(object, name)). */
static inline const char *th_json_get_string(const th_json_value *object, const char *name) {
    return th_json_as_string(th_json_get(object, name));
}

/** 1 and *out set if `value` is a number; 0 otherwise (*out untouched). */
static inline int th_json_as_double(const th_json_value *value, double *out) {
    if (!value || value->type != TH_JSON_NUMBER) return 0;
    *out = value->number;
    return 1;
}

/**
 * 1 and *out set if `value` is a number with an integral value within int64_t (1, -7, 2.0 and 1e3
 * all count, as JSON Schema's "integer" counts them); 0 otherwise (*out untouched).
 */
static inline int th_json_as_int64(const th_json_value *value, int64_t *out) {
    if (!value || value->type != TH_JSON_NUMBER) return 0;
    if (!strpbrk(value->text, ".eE")) {
        /* Plain digits: exact, also beyond 2^53 where a double would round. */
        int negative = value->text[0] == '-';
        uint64_t magnitude = 0;
        for (const char *d = value->text + negative; *d; d++) {
            uint64_t digit = (uint64_t)(*d - '0');
            if (magnitude > (UINT64_MAX - digit) / 10) return 0;
            magnitude = magnitude * 10 + digit;
        }
        if (negative) {
            if (magnitude > (uint64_t)INT64_MAX + 1) return 0;
            *out = magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)magnitude;
        } else {
            if (magnitude > (uint64_t)INT64_MAX) return 0;
            *out = (int64_t)magnitude;
        }
        return 1;
    }
    double d = value->number;
    /* -2^63 <= d < 2^63 (both bounds exact in a double), then integral; no floor(), so no libm. */
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return 0;
    int64_t integral = (int64_t)d;
    if ((double)integral != d) return 0;
    *out = integral;
    return 1;
}

/** 1 and *out set to 0/1 if `value` is true or false; 0 otherwise (*out untouched). */
static inline int th_json_as_bool(const th_json_value *value, int *out) {
    if (!value || (value->type != TH_JSON_TRUE && value->type != TH_JSON_FALSE)) return 0;
    *out = value->type == TH_JSON_TRUE;
    return 1;
}

/** 1 if `value` is JSON null. An absent member (NULL) is not null: test for that separately. */
static inline int th_json_is_null(const th_json_value *value) { return value && value->type == TH_JSON_NULL; }

/* ========================================================================= */
/* Writer                                                                    */
/* ========================================================================= */

typedef struct th_json_writer {
    char *data;
    size_t length, capacity;
    const char *error;        /* set once the writer failed: why (static text) */
    /* Structure checks: open containers ('{' or '['), whether the next write follows a value, a
       key awaiting its value, and whether the single top-level value is written. */
    unsigned char open[TH_JSON_MAX_DEPTH];
    int depth;
    int after_value;
    int after_key;
    int complete;
} th_json_writer;

/* An empty writer; `= TH_JSON_WRITER_INIT` or a zero-filled struct are the same. */
#ifdef __cplusplus
#define TH_JSON_WRITER_INIT {}
#else
#define TH_JSON_WRITER_INIT {0}
#endif

static inline void th_json_writer_fail_(th_json_writer *w, const char *why) {
    if (!w->error) w->error = why;
}

static inline void th_json_append_(th_json_writer *w, const char *bytes, size_t count) {
    if (w->error) return;
    if (w->length + count + 1 > w->capacity) {
        size_t capacity = w->capacity ? w->capacity * 2 : 256;
        while (w->length + count + 1 > capacity) capacity *= 2;
        char *grown = (char *)realloc(w->data, capacity);
        if (!grown) { th_json_writer_fail_(w, "out of memory"); return; }
        w->data = grown;
        w->capacity = capacity;
    }
    memcpy(w->data + w->length, bytes, count);
    w->length += count;
    w->data[w->length] = 0;
}

/* Checks that a value may come here and writes the comma before it. */
static inline int th_json_before_value_(th_json_writer *w) {
    if (w->error) return 0;
    if (w->depth == 0) {
        if (w->complete) { th_json_writer_fail_(w, "a second top-level value"); return 0; }
    } else if (w->open[w->depth - 1] == '{') {
        if (!w->after_key) { th_json_writer_fail_(w, "a value in an object without th_json_key first"); return 0; }
    } else if (w->after_value) {
        th_json_append_(w, ",", 1);
    }
    w->after_key = 0;
    return !w->error;
}

static inline void th_json_after_value_(th_json_writer *w) {
    w->after_value = 1;
    if (w->depth == 0) w->complete = 1;
}

/* The escaped body of a JSON string (no quotes). */
static inline void th_json_append_escaped_(th_json_writer *w, const char *text, size_t length) {
    const unsigned char *s = (const unsigned char *)text, *end = s + length;
    while (s < end && !w->error) {
        const unsigned char *run = s;
        while (s < end && *s >= 0x20 && *s != '"' && *s != '\\' && *s < 0x80) s++;
        if (s > run) th_json_append_(w, (const char *)run, (size_t)(s - run));
        if (s >= end) break;
        unsigned char c = *s;
        if (c >= 0x80) {
            size_t n = th_json_utf8_sequence_length_(s, (size_t)(end - s));
            if (!n) { th_json_writer_fail_(w, "a string to write is not valid UTF-8"); return; }
            th_json_append_(w, (const char *)s, n);
            s += n;
            continue;
        }
        char escape[8];
        switch (c) {
        case '"': th_json_append_(w, "\\\"", 2); break;
        case '\\': th_json_append_(w, "\\\\", 2); break;
        case '\n': th_json_append_(w, "\\n", 2); break;
        case '\r': th_json_append_(w, "\\r", 2); break;
        case '\t': th_json_append_(w, "\\t", 2); break;
        case '\b': th_json_append_(w, "\\b", 2); break;
        case '\f': th_json_append_(w, "\\f", 2); break;
        default:
            snprintf(escape, sizeof escape, "\\u%04x", c);
            th_json_append_(w, escape, 6);
        }
        s++;
    }
}

static inline void th_json_open_(th_json_writer *w, char bracket) {
    if (!th_json_before_value_(w)) return;
    if (w->depth >= TH_JSON_MAX_DEPTH) { th_json_writer_fail_(w, "nesting deeper than TH_JSON_MAX_DEPTH"); return; }
    th_json_append_(w, &bracket, 1);
    w->open[w->depth++] = (unsigned char)bracket;
    w->after_value = 0;
}

static inline void th_json_close_(th_json_writer *w, char opening, char closing) {
    if (w->error) return;
    if (w->depth == 0 || w->open[w->depth - 1] != (unsigned char)opening) {
        th_json_writer_fail_(w, opening == '{' ? "th_json_end_object without a matching begin" : "th_json_end_array without a matching begin");
        return;
    }
    if (w->after_key) { th_json_writer_fail_(w, "a key without a value"); return; }
    th_json_append_(w, &closing, 1);
    w->depth--;
    th_json_after_value_(w);
}

static inline void th_json_begin_object(th_json_writer *w) { th_json_open_(w, '{'); }
static inline void th_json_end_object(th_json_writer *w) { th_json_close_(w, '{', '}'); }
static inline void th_json_begin_array(th_json_writer *w) { th_json_open_(w, '['); }
static inline void th_json_end_array(th_json_writer *w) { th_json_close_(w, '[', ']'); }

/** A member name of `length` bytes; the next write is its value. */
static inline void th_json_key_n(th_json_writer *w, const char *name, size_t length) {
    if (w->error) return;
    if (w->depth == 0 || w->open[w->depth - 1] != '{' || w->after_key) {
        th_json_writer_fail_(w, "th_json_key outside an object or twice in a row");
        return;
    }
    if (w->after_value) th_json_append_(w, ",", 1);
    th_json_append_(w, "\"", 1);
    th_json_append_escaped_(w, name, length);
    th_json_append_(w, "\":", 2);
    w->after_key = 1;
}

static inline void th_json_key(th_json_writer *w, const char *name) { th_json_key_n(w, name, name ? strlen(name) : 0); }

/** A string of `length` bytes of UTF-8 (may hold NULs). */
static inline void th_json_write_string_n(th_json_writer *w, const char *text, size_t length) {
    if (!th_json_before_value_(w)) return;
    th_json_append_(w, "\"", 1);
    th_json_append_escaped_(w, text, length);
    th_json_append_(w, "\"", 1);
    th_json_after_value_(w);
}

/** A NUL-terminated UTF-8 string; NULL writes null. */
static inline void th_json_write_string(th_json_writer *w, const char *text) {
    if (!text) {
        if (th_json_before_value_(w)) { th_json_append_(w, "null", 4); th_json_after_value_(w); }
        return;
    }
    th_json_write_string_n(w, text, strlen(text));
}

static inline void th_json_write_int64(th_json_writer *w, int64_t number) {
    if (!th_json_before_value_(w)) return;
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%lld", (long long)number);
    th_json_append_(w, digits, (size_t)n);
    th_json_after_value_(w);
}

/** A finite double, in the shortest of %.15g/%.17g that reads back exactly. NaN and infinities fail the writer. */
static inline void th_json_write_double(th_json_writer *w, double number) {
    if (!isfinite(number)) { th_json_writer_fail_(w, "JSON has no NaN or infinity"); return; }
    if (!th_json_before_value_(w)) return;
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%.15g", number);
    if (strtod(digits, NULL) != number) n = snprintf(digits, sizeof digits, "%.17g", number);
    th_json_append_(w, digits, (size_t)n);
    th_json_after_value_(w);
}

static inline void th_json_write_bool(th_json_writer *w, int value) {
    if (!th_json_before_value_(w)) return;
    if (value) th_json_append_(w, "true", 4);
    else th_json_append_(w, "false", 5);
    th_json_after_value_(w);
}

static inline void th_json_write_null(th_json_writer *w) {
    if (!th_json_before_value_(w)) return;
    th_json_append_(w, "null", 4);
    th_json_after_value_(w);
}

/**
 * A value already serialized, copied as is: the caller vouches that it is one valid JSON value
 * (e.g. an outputSchema-shaped literal, or another writer's finished buffer).
 */
static inline void th_json_write_raw(th_json_writer *w, const char *json, size_t length) {
    if (!th_json_before_value_(w)) return;
    th_json_append_(w, json, length);
    th_json_after_value_(w);
}

/** Writes a parsed value (numbers exactly as they were written). */
static inline void th_json_write_value(th_json_writer *w, const th_json_value *value) {
    if (!value) { th_json_writer_fail_(w, "th_json_write_value given NULL"); return; }
    switch (value->type) {
    case TH_JSON_NULL: th_json_write_null(w); break;
    case TH_JSON_FALSE: th_json_write_bool(w, 0); break;
    case TH_JSON_TRUE: th_json_write_bool(w, 1); break;
    case TH_JSON_NUMBER: th_json_write_raw(w, value->text, value->length); break;
    case TH_JSON_STRING: th_json_write_string_n(w, value->text, value->length); break;
    case TH_JSON_ARRAY:
        th_json_begin_array(w);
        for (size_t i = 0; i < value->length; i++) th_json_write_value(w, &value->elements[i]);
        th_json_end_array(w);
        break;
    case TH_JSON_OBJECT:
        th_json_begin_object(w);
        for (size_t i = 0; i < value->length; i++) {
            th_json_key_n(w, value->members[i].name, value->members[i].name_length);
            th_json_write_value(w, &value->members[i].value);
        }
        th_json_end_object(w);
        break;
    }
}

/** Frees what the writer holds; it is empty (and not failed) afterwards. */
static inline void th_json_writer_discard(th_json_writer *w) {
    free(w->data);
    memset(w, 0, sizeof *w);
}

/**
 * The finished JSON: malloc'd, NUL-terminated, `*length` bytes (length may be NULL); the caller
 * free()s it. NULL if the writer failed (w->error says why) or holds no complete value; the writer's
 * memory is freed either way. `error` is left set for the caller to read; everything else is reset.
 */
static inline char *th_json_writer_finish(th_json_writer *w, size_t *length) {
    if (!w->error && (!w->complete || w->depth != 0)) th_json_writer_fail_(w, "the JSON is incomplete (an unclosed object or array, or nothing written)");
    const char *error = w->error;
    char *data = error ? NULL : w->data;
    size_t data_length = w->length;
    if (error) free(w->data);
    memset(w, 0, sizeof *w);
    w->error = error;
    if (length) *length = data ? data_length : 0;
    return data;
}

/* ========================================================================= */
/* CallToolResult                                                            */
/* ========================================================================= */

/**
 * Fills `result` with {"content":[{"type":"text","text":TEXT}],"structuredContent":STRUCTURED,"isError":…}.
 * `structured`: a writer holding one JSON object, or NULL for none; it is consumed (freed) here
 * on every path. `text`: NULL uses the structured JSON itself (what MCP suggests for clients that
 * do not read structuredContent). Returns TH_OK, or TH_ERROR with result->message (static) if a
 * writer failed or memory ran out. Free with th_json_release_result.
 */
static inline th_status th_json_result(th_call_result *result, const char *text, th_json_writer *structured, int is_error) {
    size_t structured_length = 0;
    char *structured_json = NULL;
    if (structured) {
        structured_json = th_json_writer_finish(structured, &structured_length);
        if (!structured_json) {
            result->message = structured->error;
            return TH_ERROR;
        }
    }
    th_json_writer w = TH_JSON_WRITER_INIT;
    th_json_begin_object(&w);
    th_json_key(&w, "content");
    th_json_begin_array(&w);
    th_json_begin_object(&w);
    th_json_key(&w, "type");
    th_json_write_string(&w, "text");
    th_json_key(&w, "text");
    if (text) th_json_write_string(&w, text);
    else if (structured_json) th_json_write_string_n(&w, structured_json, structured_length);
    else th_json_write_string(&w, "");
    th_json_end_object(&w);
    th_json_end_array(&w);
    if (structured_json) {
        th_json_key(&w, "structuredContent");
        th_json_write_raw(&w, structured_json, structured_length);
    }
    th_json_key(&w, "isError");
    th_json_write_bool(&w, is_error);
    th_json_end_object(&w);
    free(structured_json);
    size_t length = 0;
    char *json = th_json_writer_finish(&w, &length);
    if (!json) {
        result->message = w.error;
        return TH_ERROR;
    }
    result->json = json;
    result->json_len = length;
    result->release_data = NULL;
    return TH_OK;
}

/** {"content":[{"type":"text","text":TEXT}],"isError":false} */
static inline th_status th_json_text_result(th_call_result *result, const char *text) {
    return th_json_result(result, text, NULL, 0);
}

/** A domain failure the model can fix: {"content":[{"type":"text","text":MESSAGE}],"isError":true}, TH_OK. */
static inline th_status th_json_error_result(th_call_result *result, const char *message) {
    return th_json_result(result, message, NULL, 1);
}

/** Frees what th_json_result put in `result`; call it from the toolset's release_result. */
static inline void th_json_release_result(th_call_result *result) {
    if (!result) return;
    free((void *)result->json);
    result->json = NULL;
    result->json_len = 0;
}

#ifdef __cplusplus
}
#endif

#endif /* TOOLHOST_JSON_H */
