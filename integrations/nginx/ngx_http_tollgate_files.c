/*
 * ngx_http_tollgate_files.c — loading and per-worker re-reading of the JWKS and API-key
 * files: two generations per file, the new one becomes active only when it parses.
 */

#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_tollgate_files.h"


#define NGX_HTTP_TOLLGATE_ERRLEN  160


static ngx_int_t ngx_http_tollgate_file_load(ngx_http_tollgate_file_t *file,
    ngx_uint_t slot, ngx_pool_t *pool, u_char *err);
static ngx_int_t ngx_http_tollgate_parse_apikeys(ngx_http_tollgate_apikeys_t *ak,
    size_t len, u_char *err);
static const char *ngx_http_tollgate_kind_name(ngx_uint_t kind);


ngx_http_tollgate_file_t *
ngx_http_tollgate_file_add(ngx_conf_t *cf, ngx_array_t *files, ngx_str_t *name,
    ngx_uint_t kind)
{
    u_char                     err[NGX_HTTP_TOLLGATE_ERRLEN];
    ngx_str_t                  full;
    ngx_uint_t                 i;
    ngx_http_tollgate_file_t  *file;

    full = *name;

    if (ngx_conf_full_name(cf->cycle, &full, 1) != NGX_OK) {
        return NULL;
    }

    file = files->elts;
    for (i = 0; i < files->nelts; i++) {
        if (file[i].kind == kind && file[i].path.len == full.len
            && ngx_strncmp(file[i].path.data, full.data, full.len) == 0)
        {
            return &file[i];
        }
    }

    file = ngx_array_push(files);
    if (file == NULL) {
        return NULL;
    }

    ngx_memzero(file, sizeof(ngx_http_tollgate_file_t));
    file->path = full;
    file->kind = kind;

    for (i = 0; i < 2; i++) {
        if (kind == NGX_HTTP_TOLLGATE_JWKS) {
            /* the pool aligns to NGX_ALIGNMENT (8), as tollgate_keyset needs */
            file->keysets[i] = ngx_palloc(cf->pool, sizeof(tollgate_keyset));
            if (file->keysets[i] == NULL) {
                return NULL;
            }

        } else {
            file->apikeys[i] = ngx_palloc(cf->pool,
                                          sizeof(ngx_http_tollgate_apikeys_t));
            if (file->apikeys[i] == NULL) {
                return NULL;
            }
        }
    }

    if (ngx_http_tollgate_file_load(file, 0, cf->temp_pool, err) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "tollgate: cannot load %s file \"%V\": %s",
                           ngx_http_tollgate_kind_name(kind), &file->path, err);
        return NULL;
    }

    file->active = 0;
    file->checked = ngx_current_msec;

    return file;
}


void
ngx_http_tollgate_file_refresh(ngx_http_tollgate_file_t *file, ngx_msec_t interval,
    ngx_pool_t *pool, ngx_log_t *log)
{
    u_char           err[NGX_HTTP_TOLLGATE_ERRLEN];
    ngx_uint_t       slot;
    ngx_file_info_t  fi;

    if ((ngx_msec_int_t) (ngx_current_msec - file->checked) < (ngx_msec_int_t) interval) {
        return;
    }

    file->checked = ngx_current_msec;

    if (ngx_file_info(file->path.data, &fi) == NGX_FILE_ERROR) {
        if (!file->missing) {
            ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                          "tollgate: cannot stat %s file \"%V\", "
                          "keeping the previous keys",
                          ngx_http_tollgate_kind_name(file->kind), &file->path);
            file->missing = 1;
        }
        return;
    }

    file->missing = 0;

    if (ngx_file_uniq(&fi) == file->uniq && ngx_file_mtime(&fi) == file->mtime
        && ngx_file_size(&fi) == file->size)
    {
        return;
    }

    slot = file->active ^ 1;

    if (ngx_http_tollgate_file_load(file, slot, pool, err) != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "tollgate: cannot load %s file \"%V\": %s; "
                      "keeping the previous keys",
                      ngx_http_tollgate_kind_name(file->kind), &file->path, err);
        return;
    }

    file->active = slot;

    ngx_log_error(NGX_LOG_NOTICE, log, 0, "tollgate: reloaded %s file \"%V\"",
                  ngx_http_tollgate_kind_name(file->kind), &file->path);
}


/*
 * Read the file into generation `slot` and parse it. The identity of what was read is
 * recorded even when it does not parse, so a bad version is reported once, not at every
 * check. `err` receives a NUL-terminated reason on failure.
 */
static ngx_int_t
ngx_http_tollgate_file_load(ngx_http_tollgate_file_t *file, ngx_uint_t slot,
    ngx_pool_t *pool, u_char *err)
{
    off_t             size;
    size_t            got, limit;
    u_char           *buf;
    ssize_t           n;
    ngx_fd_t          fd;
    ngx_int_t         rc;
    ngx_file_info_t   fi;
    tollgate_status   st;

    fd = ngx_open_file(file->path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_snprintf(err, NGX_HTTP_TOLLGATE_ERRLEN, "cannot open it (%s)%Z",
                     strerror(ngx_errno));
        return NGX_ERROR;
    }

    rc = NGX_ERROR;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_snprintf(err, NGX_HTTP_TOLLGATE_ERRLEN, "cannot stat it (%s)%Z",
                     strerror(ngx_errno));
        goto done;
    }

    file->uniq = ngx_file_uniq(&fi);
    file->mtime = ngx_file_mtime(&fi);
    file->size = ngx_file_size(&fi);

    size = ngx_file_size(&fi);
    limit = (file->kind == NGX_HTTP_TOLLGATE_JWKS) ? NGX_HTTP_TOLLGATE_JWKS_SIZE
                                                   : NGX_HTTP_TOLLGATE_APIKEYS_SIZE;

    if (size < 0 || (size_t) size > limit) {
        ngx_snprintf(err, NGX_HTTP_TOLLGATE_ERRLEN,
                     "larger than %uz bytes%Z", limit);
        goto done;
    }

    if (file->kind == NGX_HTTP_TOLLGATE_JWKS) {
        buf = ngx_pnalloc(pool, (size_t) size + 1);
        if (buf == NULL) {
            ngx_snprintf(err, NGX_HTTP_TOLLGATE_ERRLEN, "out of memory%Z");
            goto done;
        }

    } else {
        buf = file->apikeys[slot]->text;
    }

    /* the size was taken from this descriptor; a file replaced by rename never changes */
    for (got = 0; got < (size_t) size; got += n) {
        n = ngx_read_fd(fd, buf + got, (size_t) size - got);
        if (n == -1) {
            ngx_snprintf(err, NGX_HTTP_TOLLGATE_ERRLEN, "cannot read it (%s)%Z",
                         strerror(ngx_errno));
            goto done;
        }
        if (n == 0) {
            break;
        }
    }

    if (file->kind == NGX_HTTP_TOLLGATE_JWKS) {
        st = tollgate_keyset_parse(file->keysets[slot], (const char *) buf, got, NULL);
        if (st != TOLLGATE_STATUS_OK) {
            ngx_snprintf(err, NGX_HTTP_TOLLGATE_ERRLEN, "%s%Z",
                         tollgate_status_str(st));
            goto done;
        }
        rc = NGX_OK;

    } else {
        rc = ngx_http_tollgate_parse_apikeys(file->apikeys[slot], got, err);
    }

done:

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        /* nothing to do: the content was read */
    }

    return rc;
}


/*
 * One key per line; blank lines and lines starting with '#' are skipped, surrounding
 * spaces, tabs and a CR are trimmed. A key is visible ASCII (the library compares it with
 * the percent-decoded query value).
 */
static ngx_int_t
ngx_http_tollgate_parse_apikeys(ngx_http_tollgate_apikeys_t *ak, size_t len, u_char *err)
{
    u_char      *p, *end, *s, *e, *eol, *q;
    size_t       n;
    ngx_uint_t   line;

    p = ak->text;
    end = p + len;
    n = 0;
    line = 0;

    while (p < end) {
        line++;

        eol = ngx_strlchr(p, end, '\n');
        if (eol == NULL) {
            eol = end;
        }

        s = p;
        e = eol;
        p = (eol < end) ? eol + 1 : end;

        while (s < e && (*s == ' ' || *s == '\t')) {
            s++;
        }
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) {
            e--;
        }

        if (s == e || *s == '#') {
            continue;
        }

        for (q = s; q < e; q++) {
            if (*q <= 0x20 || *q >= 0x7f) {
                ngx_snprintf(err, NGX_HTTP_TOLLGATE_ERRLEN,
                             "line %ui: a key is visible ASCII without spaces%Z",
                             line);
                return NGX_ERROR;
            }
        }

        if (n == NGX_HTTP_TOLLGATE_APIKEYS_MAX) {
            ngx_snprintf(err, NGX_HTTP_TOLLGATE_ERRLEN, "more than %d keys%Z",
                         NGX_HTTP_TOLLGATE_APIKEYS_MAX);
            return NGX_ERROR;
        }

        ak->keys[n].ptr = (const char *) s;
        ak->keys[n].len = (size_t) (e - s);
        n++;
    }

    if (n == 0) {
        ngx_snprintf(err, NGX_HTTP_TOLLGATE_ERRLEN, "no keys%Z");
        return NGX_ERROR;
    }

    ak->nkeys = n;

    return NGX_OK;
}


static const char *
ngx_http_tollgate_kind_name(ngx_uint_t kind)
{
    return (kind == NGX_HTTP_TOLLGATE_JWKS) ? "JWKS" : "API key";
}
