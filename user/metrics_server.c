// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include "user/metrics_server.h"
#include "analysis/merge.h"
#include "analysis/openmetrics.h"

struct metrics_server {
	struct MHD_Daemon *daemon;
	int fd;
	pthread_mutex_t lock;
	const struct result *total;
	enum openmetrics_buckets buckets;
	unsigned long scrapes;
	char url[96];
};

int metrics_server__parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len,
			       char *err, size_t errlen)
{
	char host[64] = METRICS_DEFAULT_HOST;
	const char *port_text = text, *colon;
	char *end;
	long port;

	memset(ss, 0, sizeof(*ss));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof(host)) {
			snprintf(err, errlen, "--listen: '%s' is not [IPV6]:PORT", text);
			return -EINVAL;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(close - text - 1), text + 1);
		port_text = close + 2;
	} else if ((colon = strrchr(text, ':'))) {
		if ((size_t)(colon - text) >= sizeof(host)) {
			snprintf(err, errlen, "--listen: '%s': the address is too long", text);
			return -EINVAL;
		}
		if (colon != text)
			snprintf(host, sizeof(host), "%.*s", (int)(colon - text), text);
		port_text = colon + 1;
	}
	errno = 0;
	port = strtol(port_text, &end, 10);
	if (!*port_text || *end || errno || port < 0 || port > 65535) {
		snprintf(err, errlen,
			 "--listen: '%s' has no port from 0 to 65535; give ADDR:PORT, e.g. "
			 "127.0.0.1:9464",
			 text);
		return -EINVAL;
	}
	if (strchr(host, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		*len = sizeof(*a);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) == 1)
			return 0;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		*len = sizeof(*a);
		if (inet_pton(AF_INET, host, &a->sin_addr) == 1)
			return 0;
	}
	snprintf(err, errlen,
		 "--listen: '%s' is not a numeric IP address; give one such as 127.0.0.1, "
		 "0.0.0.0 or [::1]",
		 host);
	return -EINVAL;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	static char index[] = "netstage: the figures are at /metrics (OpenMetrics text)\n";
	static char not_found[] = "not found: the figures are at /metrics\n";
	static char not_allowed[] = "only GET and HEAD are served\n";
	struct metrics_server *s = cls;
	struct strbuf b = {0};

	(void)version;
	(void)upload_data;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		*upload_data_size = 0;
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed,
			     strlen(not_allowed), MHD_RESPMEM_PERSISTENT);
	}
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "text/plain", index, strlen(index),
			     MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", not_found, strlen(not_found),
			     MHD_RESPMEM_PERSISTENT);
	pthread_mutex_lock(&s->lock);
	openmetrics__render(s->total, s->buckets, &b);
	s->scrapes++;
	pthread_mutex_unlock(&s->lock);
	if (b.oom) {
		static char oom[] = "out of memory\n";

		strbuf__free(&b);
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", oom, strlen(oom),
			     MHD_RESPMEM_PERSISTENT);
	}
	return reply(c, MHD_HTTP_OK, OPENMETRICS_CONTENT_TYPE, b.s, b.len, MHD_RESPMEM_MUST_FREE);
}

/* The listening socket is ours, so a failed bind names its errno. */
static int listen_on(const struct sockaddr_storage *ss, socklen_t len, const char *addr, char *err,
		     size_t errlen)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, e;

	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "--listen %s: socket: %s", addr, strerror(e));
		return -e;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) || listen(fd, 16)) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "--listen %s: cannot listen there: %s%s", addr, strerror(e),
			 e == EADDRINUSE      ? "; pick another port"
			 : e == EADDRNOTAVAIL ? "; give an address of this host (127.0.0.1)"
					      : "");
		return -e;
	}
	return fd;
}

int metrics_server__parse_buckets(const char *text, enum openmetrics_buckets *out, char *err,
				  size_t errlen)
{
	if (!strcmp(text, "sub"))
		*out = OPENMETRICS_SUB;
	else if (!strcmp(text, "log2"))
		*out = OPENMETRICS_LOG2;
	else {
		snprintf(err, errlen, "--metrics-buckets: '%s' is neither sub nor log2", text);
		return -1;
	}
	return 0;
}

int metrics_server__start(struct metrics_server **out, const char *addr, const struct result *total,
			  enum openmetrics_buckets buckets, char *err, size_t errlen)
{
	struct metrics_server *s;
	struct sockaddr_storage ss, got;
	socklen_t len, got_len = sizeof(got);
	sigset_t block, old;
	char host[INET6_ADDRSTRLEN];
	int rc, port;

	*out = NULL;
	rc = metrics_server__parse_addr(addr, &ss, &len, err, errlen);
	if (rc)
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "--listen: out of memory");
		return -ENOMEM;
	}
	s->total = total;
	s->buckets = buckets;
	pthread_mutex_init(&s->lock, NULL);
	s->fd = listen_on(&ss, len, addr, err, errlen);
	if (s->fd < 0) {
		rc = s->fd;
		goto fail;
	}
	getsockname(s->fd, (struct sockaddr *)&got, &got_len);
	if (got.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&got)->sin6_addr, host, sizeof(host));
		port = ntohs(((struct sockaddr_in6 *)&got)->sin6_port);
		snprintf(s->url, sizeof(s->url), "http://[%s]:%d/metrics", host, port);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&got)->sin_addr, host, sizeof(host));
		port = ntohs(((struct sockaddr_in *)&got)->sin_port);
		snprintf(s->url, sizeof(s->url), "http://%s:%d/metrics", host, port);
	}
	/* Ctrl-C belongs to the command's thread: the server's thread inherits a mask without it.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	s->daemon = MHD_start_daemon(
	    MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC |
		(got.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
	    0, NULL, NULL, handle, s, MHD_OPTION_LISTEN_SOCKET, s->fd, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)32, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!s->daemon) {
		snprintf(err, errlen, "--listen %s: the HTTP server (libmicrohttpd) did not start",
			 addr);
		rc = -EIO;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (s->fd >= 0)
		close(s->fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return rc;
}

const char *metrics_server__url(const struct metrics_server *s)
{
	return s ? s->url : "";
}

void metrics_server__lock(struct metrics_server *s)
{
	if (s)
		pthread_mutex_lock(&s->lock);
}

void metrics_server__unlock(struct metrics_server *s)
{
	if (s)
		pthread_mutex_unlock(&s->lock);
}

int metrics_server__add(struct metrics_server *s, struct result *total, const struct result *snap)
{
	int rc;

	metrics_server__lock(s);
	rc = result__merge_profile(total, snap);
	metrics_server__unlock(s);
	return rc;
}

unsigned long metrics_server__scrapes(struct metrics_server *s)
{
	unsigned long n;

	metrics_server__lock(s);
	n = s ? s->scrapes : 0;
	metrics_server__unlock(s);
	return n;
}

void metrics_server__stop(struct metrics_server *s)
{
	MHD_socket fd;

	if (!s)
		return;
	/* Quiesced first, MHD hands the listening socket back and leaves its closing to us. */
	fd = MHD_quiesce_daemon(s->daemon);
	MHD_stop_daemon(s->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
