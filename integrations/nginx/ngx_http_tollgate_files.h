/*
 * ngx_http_tollgate_files.h — key files that rotate while nginx runs: a JWKS file or an
 * API-key file, loaded at configuration time and re-read by each worker when it changes.
 */

#ifndef NGX_HTTP_TOLLGATE_FILES_H
#define NGX_HTTP_TOLLGATE_FILES_H

#include <ngx_config.h>
#include <ngx_core.h>

#include "tollgate.h"


/* What a watched file holds. */
#define NGX_HTTP_TOLLGATE_JWKS     1
#define NGX_HTTP_TOLLGATE_APIKEYS  2

/* Most keys an API-key file may list, and its largest size in bytes. */
#define NGX_HTTP_TOLLGATE_APIKEYS_MAX   16
#define NGX_HTTP_TOLLGATE_APIKEYS_SIZE  4096

/* Largest JWKS file read, in bytes. */
#define NGX_HTTP_TOLLGATE_JWKS_SIZE     (1024 * 1024)


/* The accepted API keys of one generation of the file: `keys` point into `text`. */
typedef struct {
    u_char        text[NGX_HTTP_TOLLGATE_APIKEYS_SIZE];
    tollgate_str  keys[NGX_HTTP_TOLLGATE_APIKEYS_MAX];
    size_t        nkeys;
} ngx_http_tollgate_apikeys_t;


/*
 * One watched file. Two generations of its content live in the cycle pool: `active` is the
 * one requests use; a new version is parsed into the other and becomes active only when it
 * loads, so a bad file keeps the last good keys. Each worker owns its copy (after fork), so
 * no locking is needed.
 */
typedef struct {
    ngx_str_t                     path;      /* full path, NUL-terminated */
    ngx_uint_t                    kind;      /* NGX_HTTP_TOLLGATE_JWKS or _APIKEYS */
    ngx_uint_t                    active;    /* 0 or 1 */
    ngx_msec_t                    checked;   /* ngx_current_msec of the last check */

    /* identity of the last version read (loaded or refused), to notice a replacement */
    ngx_file_uniq_t               uniq;
    time_t                        mtime;
    off_t                         size;
    ngx_uint_t                    missing;   /* the last check could not stat the file */

    tollgate_keyset              *keysets[2];   /* NGX_HTTP_TOLLGATE_JWKS */
    ngx_http_tollgate_apikeys_t  *apikeys[2];   /* NGX_HTTP_TOLLGATE_APIKEYS */
} ngx_http_tollgate_file_t;


/*
 * The watched file `name` (relative to the prefix) of `kind`, loaded now: the same path and
 * kind share one entry of `files`. Logs a configuration error (failing `nginx -t`) and
 * returns NULL when it cannot be read or parsed.
 */
ngx_http_tollgate_file_t *ngx_http_tollgate_file_add(ngx_conf_t *cf,
    ngx_array_t *files, ngx_str_t *name, ngx_uint_t kind);

/*
 * Re-read `file` if `interval` has passed since the last check and it changed (another
 * inode, size or modification time). On a parse error the active keys stay and an error
 * naming tollgate and the file is logged once per bad version. Temporary buffers come from
 * `pool` (the request pool).
 */
void ngx_http_tollgate_file_refresh(ngx_http_tollgate_file_t *file,
    ngx_msec_t interval, ngx_pool_t *pool, ngx_log_t *log);

#endif /* NGX_HTTP_TOLLGATE_FILES_H */
