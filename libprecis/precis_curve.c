/*  precis_curve - CURVE for every socket of a process.

    One process has one identity, so the state is process-wide: the
    certificate, the server's public key for connecting, and the zauth
    actor that answers ZAP requests for all CURVE server sockets.
*/
#include "precis_curve.h"
#include "precis.h"
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct {
    zcert_t *own;
    char *server_public; /* Z85 */
    zactor_t *auth;
} curve;

int precis_curve_start(const precis_config_t *config)
{
    if (!config->curve_cert)
        return 0;
    curve.own = zcert_load(config->curve_cert);
    if (!curve.own) {
        zsys_error("cannot load the certificate %s (and %s_secret); make one with "
                   "'precis keygen'",
                   config->curve_cert, config->curve_cert);
        return -1;
    }
    const char *server_path =
        config->curve_server ? config->curve_server : config->curve_cert;
    zcert_t *server = zcert_load(server_path);
    if (!server) {
        zsys_error("cannot load the server certificate %s", server_path);
        precis_curve_stop();
        return -1;
    }
    curve.server_public = strdup(zcert_public_txt(server));
    zcert_destroy(&server);
    curve.auth = zactor_new(zauth, NULL);
    if (config->verbose > 1) {
        zstr_send(curve.auth, "VERBOSE");
        zsock_wait(curve.auth);
    }
    zstr_sendx(curve.auth, "CURVE",
               config->curve_allow ? config->curve_allow : CURVE_ALLOW_ANY, NULL);
    zsock_wait(curve.auth);
    zsys_info("CURVE on: certificate %s, %s", config->curve_cert,
              config->curve_allow
                  ? "clients allowed from the certificates in the directory"
                  : "any client with a key pair may connect");
    if (config->curve_allow)
        zsys_info("allowed client certificates: %s", config->curve_allow);
    return 0;
}

void precis_curve_stop(void)
{
    zactor_destroy(&curve.auth);
    zcert_destroy(&curve.own);
    free(curve.server_public);
    curve.server_public = NULL;
}

bool precis_curve_enabled(void)
{
    return curve.own != NULL;
}

void precis_curve_server(zsock_t *sock)
{
    if (!curve.own)
        return;
    zcert_apply(curve.own, sock);
    zsock_set_curve_server(sock, 1);
    zsock_set_zap_domain(sock, "precis");
}

void precis_curve_client(zsock_t *sock)
{
    if (!curve.own)
        return;
    zcert_apply(curve.own, sock);
    zsock_set_curve_serverkey(sock, curve.server_public);
}

const char *precis_curve_public_txt(void)
{
    return curve.own ? zcert_public_txt(curve.own) : NULL;
}

const char *precis_curve_secret_txt(void)
{
    return curve.own ? zcert_secret_txt(curve.own) : NULL;
}

static const char *keygen_usage =
    "Usage: precis keygen [--force] NAME [DIR]\n"
    "Makes a CURVE key pair: DIR/NAME.cert (public: give it to the other side, or\n"
    "put it in the hub's --curve-allow directory) and DIR/NAME.cert_secret (keep\n"
    "it private, mode 0600). DIR defaults to the current directory.\n"
    "  --force     replace a key pair NAME that already exists (otherwise refused:\n"
    "              peers that hold the old public key could no longer connect)\n"
    "  --version   print the version and exit\n"
    "Exit codes: 0 written, 1 cannot write or the pair exists, 2 usage error.";

int precis_cmd_keygen(int argc, char **argv)
{
    bool force = false;
    const char *args[2];
    int count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            puts(keygen_usage);
            return 0;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("precis keygen %s\n", PRECIS_VERSION);
            return 0;
        }
        if (strcmp(argv[i], "--force") == 0)
            force = true;
        else if (argv[i][0] == '-' || count == 2) {
            fprintf(stderr, "precis keygen: unexpected argument '%s'\n%s\n", argv[i],
                    keygen_usage);
            return 2;
        } else
            args[count++] = argv[i];
    }
    if (count == 0 || strchr(args[0], '/') || args[0][0] == '\0') {
        fprintf(stderr, "precis keygen: a NAME without '/' is needed\n%s\n",
                keygen_usage);
        return 2;
    }
    const char *dir = count == 2 ? args[1] : ".";
    char *path = zsys_sprintf("%s/%s.cert", dir, args[0]);
    char *secret = zsys_sprintf("%s_secret", path);
    int rc = -1;
    if (!force && (access(path, F_OK) == 0 || access(secret, F_OK) == 0)) {
        fprintf(stderr,
                "precis keygen: %s already exists; peers may hold its public key. "
                "Use --force to replace it.\n",
                access(path, F_OK) == 0 ? path : secret);
        zstr_free(&secret);
        zstr_free(&path);
        return 1;
    }
    zcert_t *cert = zcert_new();
    zcert_set_meta(cert, "name", "%s", args[0]);
    zcert_set_meta(cert, "created-by", "precis keygen");
    /* The secret file is created 0600, never readable by others even for a
       moment (a chmod after the write would leave a window). */
    mode_t old_mask = umask(077);
    rc = zcert_save(cert, path);
    umask(old_mask);
    if (rc == 0) {
        chmod(path, 0644); /* the public half may be read by anyone */
        chmod(secret, 0600);
        printf("wrote %s and %s\n", path, secret);
    } else
        fprintf(stderr, "precis keygen: cannot write %s: %s\n", path, strerror(errno));
    zcert_destroy(&cert);
    zstr_free(&secret);
    zstr_free(&path);
    return rc == 0 ? 0 : 1;
}
