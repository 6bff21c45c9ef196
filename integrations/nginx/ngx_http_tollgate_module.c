/*
 * ngx_http_tollgate_module.c — the nginx access-phase module: directives, configuration
 * checks, the per-request checks (client address, API key, Bearer JWT) and the
 * $tollgate_status / $tollgate_claim_NAME variables. Files that rotate are in
 * ngx_http_tollgate_files.c; all verification is libtollgate's.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "tollgate.h"
#include "ngx_http_tollgate_files.h"


/* $tollgate_status for the two outcomes that are not library statuses. */
#define NGX_HTTP_TOLLGATE_NO_AUTHORIZATION  "missing_authorization"
#define NGX_HTTP_TOLLGATE_ADDRESS_DENIED    "address_not_allowed"

#define NGX_HTTP_TOLLGATE_CLAIM_PREFIX      "tollgate_claim_"

/*
 * Longest token verified: the policy's default maximum. Longer ones are refused before the
 * scratch is allocated, whatever large_client_header_buffers allows.
 */
#define NGX_HTTP_TOLLGATE_MAX_TOKEN         TOLLGATE_DEFAULT_MAX_TOKEN_LEN


typedef struct {
    ngx_array_t                  files;          /* of ngx_http_tollgate_file_t */
} ngx_http_tollgate_main_conf_t;


typedef struct {
    ngx_flag_t                   jwt;
    ngx_http_tollgate_file_t    *jwks;           /* NULL: not set */
    ngx_msec_t                   check_interval;
    ngx_str_t                    issuer;         /* data NULL: not set */
    ngx_array_t                 *audiences;      /* of ngx_str_t; NULL: not set */
    time_t                       leeway;
    tollgate_policy             *policy;         /* built at merge when jwt is on */

    ngx_str_t                    apikey_param;   /* data NULL: not set */
    ngx_http_tollgate_file_t    *apikeys;        /* NULL: not set */

    const tollgate_ipset        *ipset;          /* NGX_CONF_UNSET_PTR: not set */
    uint32_t                     ipset_mask;     /* any of these tags admits */
} ngx_http_tollgate_loc_conf_t;


/* Per-request state, for the variables. */
typedef struct {
    const char                  *status;         /* "ok" or an error name */
    ngx_uint_t                   verified;       /* claims is valid */
    tollgate_claims              claims;         /* points into a request-pool scratch */
} ngx_http_tollgate_ctx_t;


static ngx_int_t ngx_http_tollgate_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_tollgate_check_jwt(ngx_http_request_t *r,
    ngx_http_tollgate_loc_conf_t *lcf, ngx_http_tollgate_ctx_t *ctx);
static ngx_int_t ngx_http_tollgate_challenge(ngx_http_request_t *r,
    const char *error);
static ngx_uint_t ngx_http_tollgate_address_allowed(ngx_http_request_t *r,
    ngx_http_tollgate_loc_conf_t *lcf);
static ngx_int_t ngx_http_tollgate_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_tollgate_claim_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_tollgate_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_tollgate_init(ngx_conf_t *cf);
static void *ngx_http_tollgate_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_tollgate_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_tollgate_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_tollgate_jwks(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_tollgate_issuer(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_tollgate_audience(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_tollgate_apikey_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_tollgate_ipset(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


static ngx_command_t  ngx_http_tollgate_commands[] = {

    { ngx_string("tollgate_jwt"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_tollgate_loc_conf_t, jwt),
      NULL },

    { ngx_string("tollgate_jwks"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_tollgate_jwks,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("tollgate_jwks_check_interval"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_tollgate_loc_conf_t, check_interval),
      NULL },

    { ngx_string("tollgate_issuer"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_tollgate_issuer,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("tollgate_audience"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_tollgate_audience,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("tollgate_leeway"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_tollgate_loc_conf_t, leeway),
      NULL },

    { ngx_string("tollgate_apikey_param"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_tollgate_loc_conf_t, apikey_param),
      NULL },

    { ngx_string("tollgate_apikey_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_tollgate_apikey_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("tollgate_ipset"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_tollgate_ipset,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_tollgate_module_ctx = {
    ngx_http_tollgate_add_variables,       /* preconfiguration */
    ngx_http_tollgate_init,                /* postconfiguration */

    ngx_http_tollgate_create_main_conf,    /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_tollgate_create_loc_conf,     /* create location configuration */
    ngx_http_tollgate_merge_loc_conf       /* merge location configuration */
};


ngx_module_t  ngx_http_tollgate_module = {
    NGX_MODULE_V1,
    &ngx_http_tollgate_module_ctx,         /* module context */
    ngx_http_tollgate_commands,            /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_variable_t  ngx_http_tollgate_vars[] = {

    { ngx_string("tollgate_status"), NULL,
      ngx_http_tollgate_status_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string(NGX_HTTP_TOLLGATE_CLAIM_PREFIX), NULL,
      ngx_http_tollgate_claim_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE|NGX_HTTP_VAR_PREFIX, 0 },

      ngx_http_null_variable
};


/*
 * The access-phase handler: every configured check must pass, in this order: the client
 * address (403), the API key (401), the Bearer token (401 with a challenge).
 */
static ngx_int_t
ngx_http_tollgate_handler(ngx_http_request_t *r)
{
    tollgate_status                st;
    ngx_http_tollgate_ctx_t       *ctx;
    ngx_http_tollgate_file_t      *file;
    ngx_http_tollgate_apikeys_t   *ak;
    ngx_http_tollgate_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_tollgate_module);

    if (!lcf->jwt && lcf->ipset == NULL && lcf->apikeys == NULL) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_tollgate_module);
    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_tollgate_ctx_t));
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        ngx_http_set_ctx(r, ctx, ngx_http_tollgate_module);
    }

    ctx->verified = 0;

    if (lcf->ipset != NULL && !ngx_http_tollgate_address_allowed(r, lcf)) {
        ctx->status = NGX_HTTP_TOLLGATE_ADDRESS_DENIED;
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "tollgate: address %V not in the set", &r->connection->addr_text);
        return NGX_HTTP_FORBIDDEN;
    }

    if (lcf->apikeys != NULL) {
        file = lcf->apikeys;
        ngx_http_tollgate_file_refresh(file, lcf->check_interval, r->pool,
                                       r->connection->log);
        ak = file->apikeys[file->active];

        st = tollgate_apikey_check((const char *) r->unparsed_uri.data,
                                   r->unparsed_uri.len,
                                   (const char *) lcf->apikey_param.data,
                                   lcf->apikey_param.len, ak->keys, ak->nkeys);
        if (st != TOLLGATE_STATUS_OK) {
            ctx->status = tollgate_status_str(st);
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "tollgate: API key rejected: %s", ctx->status);
            return NGX_HTTP_UNAUTHORIZED;
        }
    }

    if (lcf->jwt) {
        return ngx_http_tollgate_check_jwt(r, lcf, ctx);
    }

    ctx->status = "ok";
    return NGX_OK;
}


static ngx_int_t
ngx_http_tollgate_check_jwt(ngx_http_request_t *r, ngx_http_tollgate_loc_conf_t *lcf,
    ngx_http_tollgate_ctx_t *ctx)
{
    void                      *scratch;
    size_t                     token_len, scratch_len;
    const char                *token;
    tollgate_status            st;
    ngx_table_elt_t           *h;
    ngx_http_tollgate_file_t  *jwks;

    h = r->headers_in.authorization;

    if (h == NULL) {
        ctx->status = NGX_HTTP_TOLLGATE_NO_AUTHORIZATION;
        return ngx_http_tollgate_challenge(r, NULL);
    }

    st = tollgate_bearer_token((const char *) h->value.data, h->value.len, &token,
                               &token_len);
    if (st != TOLLGATE_STATUS_OK) {
        ctx->status = tollgate_status_str(st);
        return ngx_http_tollgate_challenge(r, NULL);
    }

    if (token_len > NGX_HTTP_TOLLGATE_MAX_TOKEN) {
        ctx->status = tollgate_status_str(TOLLGATE_STATUS_TOO_LARGE);
        return ngx_http_tollgate_challenge(r, ctx->status);
    }

    jwks = lcf->jwks;
    ngx_http_tollgate_file_refresh(jwks, lcf->check_interval, r->pool,
                                   r->connection->log);

    /* at most TOLLGATE_VERIFY_SCRATCH_MAX bytes, from the request pool */
    scratch_len = tollgate_verify_scratch_size(token_len);
    scratch = ngx_pnalloc(r->pool, scratch_len);
    if (scratch == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    st = tollgate_verify(jwks->keysets[jwks->active], lcf->policy, token, token_len,
                         (uint64_t) ngx_time(), scratch, scratch_len, &ctx->claims);

    if (st != TOLLGATE_STATUS_OK) {
        ctx->status = tollgate_status_str(st);
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "tollgate: token rejected: %s", ctx->status);
        return ngx_http_tollgate_challenge(r, ctx->status);
    }

    ctx->verified = 1;
    ctx->status = "ok";

    return NGX_OK;
}


/*
 * 401 with `WWW-Authenticate: Bearer`, and for a token that failed the RFC 6750 §3 error
 * `invalid_token` with the stable error name as its description.
 */
static ngx_int_t
ngx_http_tollgate_challenge(ngx_http_request_t *r, const char *error)
{
    size_t            len;
    u_char           *p;
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (error == NULL) {
        ngx_str_set(&h->value, "Bearer");

    } else {
        len = sizeof("Bearer error=\"invalid_token\", error_description=\"\"") - 1
              + ngx_strlen(error);
        p = ngx_pnalloc(r->pool, len);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        h->value.data = p;
        h->value.len = ngx_sprintf(p, "Bearer error=\"invalid_token\", "
                                   "error_description=\"%s\"", error) - p;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    ngx_str_set(&h->key, "WWW-Authenticate");
    r->headers_out.www_authenticate = h;

    return NGX_HTTP_UNAUTHORIZED;
}


/* The client address (after realip) has one of the configured tags. */
static ngx_uint_t
ngx_http_tollgate_address_allowed(ngx_http_request_t *r,
    ngx_http_tollgate_loc_conf_t *lcf)
{
    uint32_t              tags;
    struct sockaddr_in   *sin;
#if (NGX_HAVE_INET6)
    struct sockaddr_in6  *sin6;
#endif

    switch (r->connection->sockaddr->sa_family) {

    case AF_INET:
        sin = (struct sockaddr_in *) r->connection->sockaddr;
        tags = tollgate_ipset_lookup(lcf->ipset, (const uint8_t *) &sin->sin_addr, 4);
        break;

#if (NGX_HAVE_INET6)
    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) r->connection->sockaddr;
        tags = tollgate_ipset_lookup(lcf->ipset, sin6->sin6_addr.s6_addr, 16);
        break;
#endif

    default:
        /* a UNIX socket has no address to check */
        tags = 0;
        break;
    }

    return (tags & lcf->ipset_mask) != 0;
}


static ngx_int_t
ngx_http_tollgate_status_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    ngx_http_tollgate_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_tollgate_module);

    if (ctx == NULL || ctx->status == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = (u_char *) ctx->status;
    v->len = ngx_strlen(ctx->status);
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * $tollgate_claim_NAME: the string claim NAME of the verified token (unescaped; not found
 * when it holds control characters, so it cannot split a header), or a number as written in
 * the token (its JSON text); $tollgate_claim_aud is the audience that matched, also when the
 * token's aud is an array. Other types and unverified requests give "not found" (an empty
 * value; "-" in logs).
 */
static ngx_int_t
ngx_http_tollgate_claim_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    ngx_str_t  *var = (ngx_str_t *) data;

    u_char                   *buf, *p;
    size_t                    json_len, len, prefix;
    const char               *json, *name;
    ngx_http_tollgate_ctx_t  *ctx;

    v->not_found = 1;

    ctx = ngx_http_get_module_ctx(r, ngx_http_tollgate_module);
    if (ctx == NULL || !ctx->verified) {
        return NGX_OK;
    }

    prefix = sizeof(NGX_HTTP_TOLLGATE_CLAIM_PREFIX) - 1;
    name = (const char *) var->data + prefix;

    if (var->len - prefix == 3 && ngx_strncmp(name, "aud", 3) == 0) {
        /* the audience that matched, also when the token's aud is an array */
        buf = (u_char *) ctx->claims.aud.ptr;
        len = ctx->claims.aud.len;
        goto found;
    }

    if (tollgate_claims_get(&ctx->claims, name, var->len - prefix, &json, &json_len)
        != TOLLGATE_STATUS_OK || json_len == 0)
    {
        return NGX_OK;
    }

    if (json[0] == '"') {
        buf = ngx_pnalloc(r->pool, json_len);
        if (buf == NULL) {
            return NGX_ERROR;
        }
        if (tollgate_claims_get_str(&ctx->claims, name, var->len - prefix,
                                    (char *) buf, json_len, &len)
            != TOLLGATE_STATUS_OK)
        {
            return NGX_OK;
        }

    } else if (json[0] == '-' || (json[0] >= '0' && json[0] <= '9')) {
        buf = (u_char *) json;
        len = json_len;

    } else {
        return NGX_OK;
    }

found:

    for (p = buf; p < buf + len; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return NGX_OK;
        }
    }

    v->data = buf;
    v->len = len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_tollgate_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_tollgate_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }
        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_tollgate_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_tollgate_handler;

    return NGX_OK;
}


static void *
ngx_http_tollgate_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_tollgate_main_conf_t  *mcf;

    mcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_tollgate_main_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&mcf->files, cf->pool, 4, sizeof(ngx_http_tollgate_file_t))
        != NGX_OK)
    {
        return NULL;
    }

    return mcf;
}


static void *
ngx_http_tollgate_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_tollgate_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_tollgate_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *     conf->jwks = NULL; conf->issuer = { 0, NULL }; conf->audiences = NULL;
     *     conf->policy = NULL; conf->apikey_param = { 0, NULL }; conf->apikeys = NULL;
     *     conf->ipset_mask = 0;
     */

    conf->jwt = NGX_CONF_UNSET;
    conf->check_interval = NGX_CONF_UNSET_MSEC;
    conf->leeway = NGX_CONF_UNSET;
    conf->ipset = NGX_CONF_UNSET_PTR;

    return conf;
}


static char *
ngx_http_tollgate_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_tollgate_loc_conf_t  *prev = parent;
    ngx_http_tollgate_loc_conf_t  *conf = child;

    ngx_str_t        *aud;
    ngx_uint_t        i, own_policy;
    tollgate_str      auds[TOLLGATE_POLICY_MAX_AUDIENCES];
    tollgate_status   st;

    own_policy = conf->issuer.data != NULL || conf->audiences != NULL
                 || conf->leeway != NGX_CONF_UNSET;

    ngx_conf_merge_value(conf->jwt, prev->jwt, 0);
    ngx_conf_merge_msec_value(conf->check_interval, prev->check_interval, 10000);
    ngx_conf_merge_sec_value(conf->leeway, prev->leeway, 60);

    if (conf->issuer.data == NULL) {
        conf->issuer = prev->issuer;
    }
    if (conf->audiences == NULL) {
        conf->audiences = prev->audiences;
    }
    if (conf->jwks == NULL) {
        conf->jwks = prev->jwks;
    }
    if (conf->apikey_param.data == NULL) {
        conf->apikey_param = prev->apikey_param;
    }
    if (conf->apikeys == NULL) {
        conf->apikeys = prev->apikeys;
    }
    if (conf->ipset == NGX_CONF_UNSET_PTR) {
        conf->ipset = prev->ipset;
        conf->ipset_mask = prev->ipset_mask;
    }
    if (conf->ipset == NGX_CONF_UNSET_PTR) {
        conf->ipset = NULL;
    }

    if ((conf->apikey_param.data == NULL) != (conf->apikeys == NULL)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "tollgate: \"tollgate_apikey_param\" and "
                           "\"tollgate_apikey_file\" go together");
        return NGX_CONF_ERROR;
    }

    if (!conf->jwt) {
        return NGX_CONF_OK;
    }

    if (conf->jwks == NULL || conf->issuer.data == NULL || conf->audiences == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "tollgate: \"tollgate_jwt on\" needs \"tollgate_jwks\", "
                           "\"tollgate_issuer\" and \"tollgate_audience\" (missing: %s%s%s)",
                           conf->jwks == NULL ? "tollgate_jwks " : "",
                           conf->issuer.data == NULL ? "tollgate_issuer " : "",
                           conf->audiences == NULL ? "tollgate_audience" : "");
        return NGX_CONF_ERROR;
    }

    if (!own_policy && prev->policy != NULL) {
        conf->policy = prev->policy;
        return NGX_CONF_OK;
    }

    aud = conf->audiences->elts;
    for (i = 0; i < conf->audiences->nelts; i++) {
        auds[i].ptr = (const char *) aud[i].data;
        auds[i].len = aud[i].len;
    }

    /* the pool aligns to NGX_ALIGNMENT (8), as tollgate_policy needs */
    conf->policy = ngx_palloc(cf->pool, sizeof(tollgate_policy));
    if (conf->policy == NULL) {
        return NGX_CONF_ERROR;
    }

    st = tollgate_policy_init(conf->policy, (const char *) conf->issuer.data,
                              conf->issuer.len, auds, conf->audiences->nelts);
    if (st != TOLLGATE_STATUS_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "tollgate: invalid issuer or audiences: %s",
                           tollgate_status_str(st));
        return NGX_CONF_ERROR;
    }

    st = tollgate_policy_set_leeway(conf->policy, (uint64_t) conf->leeway);
    if (st != TOLLGATE_STATUS_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "tollgate: leeway of %T s refused: %s", conf->leeway,
                           tollgate_status_str(st));
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_tollgate_jwks(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_tollgate_loc_conf_t  *lcf = conf;

    ngx_str_t                      *value;
    ngx_http_tollgate_main_conf_t  *mcf;

    if (lcf->jwks != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_tollgate_module);

    lcf->jwks = ngx_http_tollgate_file_add(cf, &mcf->files, &value[1],
                                           NGX_HTTP_TOLLGATE_JWKS);

    return lcf->jwks != NULL ? NGX_CONF_OK : NGX_CONF_ERROR;
}


/* An issuer is an https URL the library's policy accepts (length, UTF-8, no NUL). */
static char *
ngx_http_tollgate_issuer(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_tollgate_loc_conf_t  *lcf = conf;

    ngx_str_t        *value;
    tollgate_str      aud = { "-", 1 };
    tollgate_policy   probe;
    tollgate_status   st;

    if (lcf->issuer.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len <= sizeof("https://") - 1
        || ngx_strncmp(value[1].data, "https://", sizeof("https://") - 1) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "tollgate: issuer \"%V\" is not an https:// URL", &value[1]);
        return NGX_CONF_ERROR;
    }

    st = tollgate_policy_init(&probe, (const char *) value[1].data, value[1].len, &aud, 1);
    if (st != TOLLGATE_STATUS_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "tollgate: invalid issuer \"%V\": %s",
                           &value[1], tollgate_status_str(st));
        return NGX_CONF_ERROR;
    }

    lcf->issuer = value[1];

    return NGX_CONF_OK;
}


static char *
ngx_http_tollgate_audience(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_tollgate_loc_conf_t  *lcf = conf;

    ngx_str_t  *value, *aud;

    value = cf->args->elts;

    if (value[1].len == 0 || value[1].len > TOLLGATE_POLICY_MAX_AUDIENCE_LEN) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "tollgate: an audience is 1 to %d bytes",
                           TOLLGATE_POLICY_MAX_AUDIENCE_LEN);
        return NGX_CONF_ERROR;
    }

    if (lcf->audiences == NULL) {
        lcf->audiences = ngx_array_create(cf->pool, TOLLGATE_POLICY_MAX_AUDIENCES,
                                          sizeof(ngx_str_t));
        if (lcf->audiences == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    if (lcf->audiences->nelts == TOLLGATE_POLICY_MAX_AUDIENCES) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "tollgate: at most %d \"tollgate_audience\" per level",
                           TOLLGATE_POLICY_MAX_AUDIENCES);
        return NGX_CONF_ERROR;
    }

    aud = ngx_array_push(lcf->audiences);
    if (aud == NULL) {
        return NGX_CONF_ERROR;
    }

    *aud = value[1];

    return NGX_CONF_OK;
}


static char *
ngx_http_tollgate_apikey_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_tollgate_loc_conf_t  *lcf = conf;

    ngx_str_t                      *value;
    ngx_http_tollgate_main_conf_t  *mcf;

    if (lcf->apikeys != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_tollgate_module);

    lcf->apikeys = ngx_http_tollgate_file_add(cf, &mcf->files, &value[1],
                                              NGX_HTTP_TOLLGATE_APIKEYS);

    return lcf->apikeys != NULL ? NGX_CONF_OK : NGX_CONF_ERROR;
}


/*
 * tollgate_ipset acs | acs-media | acs-callback | PATH: the built-in ACS table (any tag, or
 * one category), or a file holding a compiled image (`tollgate compile-ipset`) or a CIDR
 * list, which is built once into the cycle pool.
 */
static char *
ngx_http_tollgate_ipset(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_tollgate_loc_conf_t  *lcf = conf;

    u_char                 *data, *storage, explain[128];
    size_t                  need, explain_len;
    ssize_t                 n;
    ngx_str_t              *value, path;
    ngx_file_t              file;
    ngx_file_info_t         fi;
    tollgate_status         st;
    tollgate_ipset         *set;

    if (lcf->ipset != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "acs") == 0) {
        lcf->ipset = tollgate_acs_ipset();
        lcf->ipset_mask = TOLLGATE_ACS_MEDIA | TOLLGATE_ACS_CALLBACK;
        return NGX_CONF_OK;
    }

    if (ngx_strcmp(value[1].data, "acs-media") == 0) {
        lcf->ipset = tollgate_acs_ipset();
        lcf->ipset_mask = TOLLGATE_ACS_MEDIA;
        return NGX_CONF_OK;
    }

    if (ngx_strcmp(value[1].data, "acs-callback") == 0) {
        lcf->ipset = tollgate_acs_ipset();
        lcf->ipset_mask = TOLLGATE_ACS_CALLBACK;
        return NGX_CONF_OK;
    }

    path = value[1];
    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.name = path;
    file.log = cf->log;

    file.fd = ngx_open_file(path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "tollgate: unknown set \"%V\": not acs, acs-media, "
                           "acs-callback, nor a readable file", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR
        || ngx_file_size(&fi) > 256 * 1024 * 1024)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "tollgate: cannot use set file \"%V\"", &path);
        ngx_close_file(file.fd);
        return NGX_CONF_ERROR;
    }

    /* kept for the cycle's life: a loaded image is used in place */
    data = ngx_pmemalign(cf->pool, (size_t) ngx_file_size(&fi) + 1,
                         TOLLGATE_IPSET_ALIGN);
    if (data == NULL) {
        ngx_close_file(file.fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_file(&file, data, (size_t) ngx_file_size(&fi), 0);
    ngx_close_file(file.fd);

    if (n != (ssize_t) ngx_file_size(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "tollgate: cannot read set file \"%V\"", &path);
        return NGX_CONF_ERROR;
    }

    /* the handle the load or build fills; it refers to data or storage, same lifetime */
    set = ngx_pmemalign(cf->pool, sizeof(tollgate_ipset), sizeof(uint64_t));
    if (set == NULL) {
        return NGX_CONF_ERROR;
    }

    st = tollgate_ipset_load(data, (size_t) n, set);

    if (st == TOLLGATE_STATUS_IMAGE_BAD_MAGIC || st == TOLLGATE_STATUS_IMAGE_TRUNCATED) {
        /* not an image: a CIDR list */
        st = tollgate_ipset_required_size((const char *) data, (size_t) n, &need);

        if (st == TOLLGATE_STATUS_OK) {
            storage = ngx_pmemalign(cf->pool, need ? need : 1, TOLLGATE_IPSET_ALIGN);
            if (storage == NULL) {
                return NGX_CONF_ERROR;
            }
            st = tollgate_ipset_build(storage, need, (const char *) data, (size_t) n,
                                      set);
        }

        if (st != TOLLGATE_STATUS_OK) {
            if (tollgate_ipset_explain((const char *) data, (size_t) n,
                                       (char *) explain, sizeof(explain), &explain_len)
                != TOLLGATE_STATUS_OK || explain_len == 0)
            {
                ngx_cpystrn(explain, (u_char *) tollgate_status_str(st),
                            sizeof(explain));
            }
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "tollgate: bad CIDR list \"%V\": %s", &path, explain);
            return NGX_CONF_ERROR;
        }

    } else if (st != TOLLGATE_STATUS_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "tollgate: bad set image \"%V\": %s", &path,
                           tollgate_status_str(st));
        return NGX_CONF_ERROR;
    }

    lcf->ipset = set;
    lcf->ipset_mask = 0xffffffff;

    return NGX_CONF_OK;
}
