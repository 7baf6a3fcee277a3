/*  precis_curve - CURVE for every socket of a process.

    One process has one identity, so the state is process-wide: the
    certificate, the server's public key for connecting, and the zauth
    actor that answers ZAP requests for all CURVE server sockets.
*/
#include "precis_curve.h"

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
    "Usage: precis keygen NAME [DIR]\n"
    "Makes a CURVE key pair: DIR/NAME.cert (public: give it to the other side, or\n"
    "put it in the hub's --curve-allow directory) and DIR/NAME.cert_secret (keep\n"
    "it private). DIR defaults to the current directory.\n"
    "Exit codes: 0 written, 1 cannot write, 2 usage error.";

int precis_cmd_keygen(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        puts(keygen_usage);
        return 0;
    }
    if (argc < 2 || argc > 3 || argv[1][0] == '-' || strchr(argv[1], '/')) {
        fprintf(stderr, "%s\n", keygen_usage);
        return 2;
    }
    const char *dir = argc == 3 ? argv[2] : ".";
    char *path = zsys_sprintf("%s/%s.cert", dir, argv[1]);
    zcert_t *cert = zcert_new();
    zcert_set_meta(cert, "name", "%s", argv[1]);
    zcert_set_meta(cert, "created-by", "precis keygen");
    int rc = zcert_save(cert, path);
    if (rc == 0) {
        /* The secret file must not be readable by others. */
        char *secret = zsys_sprintf("%s_secret", path);
        chmod(secret, 0600);
        printf("wrote %s and %s\n", path, secret);
        zstr_free(&secret);
    } else
        fprintf(stderr, "error: cannot write %s: %s\n", path, strerror(errno));
    zcert_destroy(&cert);
    zstr_free(&path);
    return rc == 0 ? 0 : 1;
}
