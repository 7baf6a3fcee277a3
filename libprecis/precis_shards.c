/*  precis_shards - endpoint lists and the shard a delivery key belongs to. */
#include "precis_shards.h"
#include <string.h>

size_t precis_shards_count(const char *list)
{
    if (!list || !*list)
        return 0;
    size_t count = 1;
    for (const char *c = list; *c; c++)
        count += *c == ',';
    return count;
}

char *precis_shards_endpoint(const char *list, size_t n)
{
    if (!list || !*list)
        return NULL;
    const char *start = list;
    for (; n > 0; n--) {
        start = strchr(start, ',');
        if (!start)
            return NULL;
        start++;
    }
    return strndup(start, strcspn(start, ","));
}

int precis_shards_attach(zsock_t *sock, const char *list, bool bind)
{
    size_t count = precis_shards_count(list);
    for (size_t i = 0; i < count; i++) {
        char *endpoint = precis_shards_endpoint(list, i);
        int rc =
            bind ? zsock_bind(sock, "%s", endpoint) : zsock_connect(sock, "%s", endpoint);
        if (rc == -1)
            zsys_error("cannot %s %s: %s", bind ? "bind" : "connect to", endpoint,
                       zmq_strerror(zmq_errno()));
        free(endpoint);
        if (rc == -1)
            return -1;
    }
    return count > 0 ? 0 : -1;
}

unsigned precis_shards_of_key(const char *key)
{
    unsigned shard = 0;
    size_t digits = 0;
    /* Three digits at most: PRECIS_SHARDS_MAX is 64. */
    for (; key && digits < 3 && key[digits] >= '0' && key[digits] <= '9'; digits++)
        shard = shard * 10 + (unsigned)(key[digits] - '0');
    if (digits == 0 || key[digits] != ':' || shard > PRECIS_SHARDS_MAX)
        return 0;
    return shard;
}

int precis_shards_test(bool verbose)
{
    (void)verbose;
    int failures = 0;
#define CHECK(cond, what)                                                                \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "shards test: %s\n", what);                                  \
            failures++;                                                                  \
        }                                                                                \
    } while (0)
    CHECK(precis_shards_count(NULL) == 0 && precis_shards_count("") == 0,
          "an empty list has endpoints");
    CHECK(precis_shards_count("tcp://a:1") == 1, "one endpoint is not one");
    CHECK(precis_shards_count("tcp://a:1,tcp://a:2,ipc:///x") == 3,
          "three are not three");
    char *second = precis_shards_endpoint("tcp://a:1,tcp://a:2,ipc:///x", 1);
    CHECK(second && strcmp(second, "tcp://a:2") == 0, "the second endpoint is wrong");
    free(second);
    char *last = precis_shards_endpoint("tcp://a:1,ipc:///x", 1);
    CHECK(last && strcmp(last, "ipc:///x") == 0, "the last endpoint is wrong");
    free(last);
    CHECK(precis_shards_endpoint("tcp://a:1", 1) == NULL, "an endpoint past the end");

    CHECK(precis_shards_of_key("1:A1B2C3D4-17") == 1, "shard 1 not read");
    CHECK(precis_shards_of_key("12:A1B2C3D4-17") == 12, "shard 12 not read");
    CHECK(precis_shards_of_key("A1B2C3D4-17") == 0, "a key without shard has one");
    CHECK(precis_shards_of_key("12345678-9") == 0, "a numeric nonce read as a shard");
    CHECK(precis_shards_of_key("999:x") == 0, "a shard over the maximum");
    CHECK(precis_shards_of_key("") == 0 && precis_shards_of_key(NULL) == 0,
          "an empty key has a shard");

    /* A socket connects to every endpoint of a list: a PUSH spreads over
       two PULLs bound at its two endpoints. */
    zsock_t *first = zsock_new_pull("@inproc://shards-test-1");
    zsock_t *other = zsock_new_pull("@inproc://shards-test-2");
    zsock_t *push = zsock_new(ZMQ_PUSH);
    CHECK(precis_shards_attach(push, "inproc://shards-test-1,inproc://shards-test-2",
                               false) == 0,
          "a list could not be connected");
    for (int i = 0; i < 4; i++)
        zstr_send(push, "x");
    zsock_set_rcvtimeo(first, 1000);
    zsock_set_rcvtimeo(other, 1000);
    char *a = zstr_recv(first), *b = zstr_recv(other);
    CHECK(a && b, "a socket did not reach both endpoints of its list");
    zstr_free(&a);
    zstr_free(&b);
    CHECK(precis_shards_attach(push, "inproc://shards-test-3,bogus", false) == -1,
          "a bad endpoint in a list was accepted");
    zsock_destroy(&push);
    zsock_destroy(&first);
    zsock_destroy(&other);
#undef CHECK
    return failures;
}
