// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink over libmnl: sockets with extended acks, and batches of
 * requests sent many per sendmsg. The kernel handles a netlink request
 * inside the sendmsg call, so every ack of a chunk is queued by the time
 * sendmsg returns: read them, then send the next chunk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <sys/socket.h>

#include "internal.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Small enough that the acks of one chunk fit the receive buffer even if it cannot be raised. */
#define NL_CHUNK  (16 * 1024)
#define NL_RCVBUF (1024 * 1024)

struct mnl_socket *nl_open(struct topo_err *err)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	int one = 1, rcv = NL_RCVBUF, e;

	if (!nl) {
		e = errno;
		topo_err_set(err, "rtnetlink: cannot open a socket: %s", strerror(e));
		errno = e;
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = errno;
		topo_err_set(err, "rtnetlink: cannot bind a socket: %s", strerror(e));
		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	/* Best effort: older kernels lack extended acks; the plain errno still comes. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	return nl;
}

void nl_close(struct mnl_socket *nl)
{
	if (nl)
		mnl_socket_close(nl);
}

void nl_batch_init(struct nl_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void nl_batch_free(struct nl_batch *b)
{
	free(b->buf);
	free(b->what);
	nl_batch_init(b);
}

int nl_batch_add(struct nl_batch *b, const struct nlmsghdr *msg, const char *fmt, ...)
{
	struct nlmsghdr *nlh;
	va_list ap;

	if (b->len + msg->nlmsg_len > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64 * 1024;
		char *buf;

		while (cap < b->len + msg->nlmsg_len)
			cap *= 2;
		buf = realloc(b->buf, cap);
		if (!buf)
			return -ENOMEM;
		b->buf = buf;
		b->cap = cap;
	}
	if (b->n == b->what_cap) {
		int cap = b->what_cap ? b->what_cap * 2 : 256;
		char(*what)[80] = realloc(b->what, cap * sizeof(*what));

		if (!what)
			return -ENOMEM;
		b->what = what;
		b->what_cap = cap;
	}
	nlh = (struct nlmsghdr *)(b->buf + b->len);
	memcpy(nlh, msg, msg->nlmsg_len);
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = b->n + 1; /* acks are matched to requests by position in the batch */
	b->len += MNL_ALIGN(msg->nlmsg_len);
	va_start(ap, fmt);
	vsnprintf(b->what[b->n], sizeof(b->what[0]), fmt, ap);
	va_end(ap);
	b->n++;
	return 0;
}

int nl_parse_ack(const struct nlmsghdr *nlh, char *ext, size_t ext_len)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off;

	if (ext && ext_len)
		ext[0] = '\0';
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return -EBADMSG;
	if (ext && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
		/* The TLVs follow the echoed request, which is only its header when capped. */
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		const void *tlv = (const char *)e + off;

		mnl_attr_for_each_payload(tlv, mnl_nlmsg_get_payload_len(nlh) - off)
		{
			if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
			    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
				snprintf(ext, ext_len, "%s", mnl_attr_get_str(attr));
				break;
			}
		}
	}
	return e->error;
}

static void set_error(struct topo_err *err, const char *what, int code, const char *ext)
{
	if (ext[0])
		topo_err_set(err, "%s: %s (kernel: %s)", what, strerror(-code), ext);
	else
		topo_err_set(err, "%s: %s", what, strerror(-code));
}

/* Read until every request in [first, last] (1-based sequence numbers) has its ack. */
static int read_acks(struct mnl_socket *nl, struct nl_batch *b, int first, int last, int *ret,
		     struct topo_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 2];
	int pending = last - first + 1;

	while (pending > 0) {
		ssize_t got = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int n = got;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (!*ret) {
				*ret = -errno;
				topo_err_set(err, "rtnetlink: reading acks: %s%s", strerror(errno),
					     errno == ENOBUFS ? " (receive buffer overrun)" : "");
			}
			return -1;
		}
		for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
			char ext[256];
			int code, seq = nlh->nlmsg_seq;

			if (nlh->nlmsg_type != NLMSG_ERROR || seq < first || seq > last)
				continue;
			pending--;
			code = nl_parse_ack(nlh, ext, sizeof(ext));
			if (code && code != -b->ignore_errno && !*ret) {
				*ret = code;
				set_error(err, b->what[seq - 1], code, ext);
			}
		}
	}
	return 0;
}

int nl_batch_flush(struct mnl_socket *nl, struct nl_batch *b, struct topo_err *err)
{
	size_t off = 0;
	int ret = 0, seq = 1;

	while (off < b->len) {
		size_t end = off;
		int first = seq;
		ssize_t sent;

		/* A chunk of whole requests. */
		while (end < b->len) {
			const struct nlmsghdr *nlh = (const struct nlmsghdr *)(b->buf + end);

			if (end > off && end + nlh->nlmsg_len - off > NL_CHUNK)
				break;
			end += MNL_ALIGN(nlh->nlmsg_len);
			seq++;
		}
		sent = mnl_socket_sendto(nl, b->buf + off, end - off);
		if (sent < 0) {
			if (!ret) {
				ret = -errno;
				topo_err_set(err, "rtnetlink: sending %d requests (%s...): %s",
					     seq - first, b->what[first - 1], strerror(errno));
			}
			break;
		}
		if (read_acks(nl, b, first, seq - 1, &ret, err))
			break;
		off = end;
	}
	b->len = 0;
	b->n = 0;
	return ret;
}

int nl_request(struct mnl_socket *nl, const struct nlmsghdr *msg, struct topo_err *err,
	       const char *fmt, ...)
{
	struct nl_batch b;
	va_list ap;
	char what[80];
	int ret;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	nl_batch_init(&b);
	ret = nl_batch_add(&b, msg, "%s", what);
	if (!ret)
		ret = nl_batch_flush(nl, &b, err);
	else
		topo_err_set(err, "%s: out of memory", what);
	nl_batch_free(&b);
	return ret;
}

struct dump_ctx {
	nl_dump_cb cb;
	void *data;
	int ret;
};

static int dump_one(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	int r = c->cb(nlh, c->data);

	if (r < 0) {
		c->ret = r;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int run_request(struct mnl_socket *nl, struct nlmsghdr *req, nl_dump_cb cb, void *data,
		       struct topo_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	struct dump_ctx c = {cb, data, 0};
	unsigned int portid = mnl_socket_get_portid(nl);
	static unsigned int seq_counter = 0x4e5300;
	unsigned int seq = ++seq_counter;
	ssize_t n;
	int r;

	req->nlmsg_seq = seq;
	req->nlmsg_flags |= NLM_F_REQUEST;
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		r = -errno;
		topo_err_set(err, "rtnetlink: sending a request: %s", strerror(errno));
		return r;
	}
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			topo_err_set(err, "rtnetlink: reading an answer: %s", strerror(errno));
			return r;
		}
		r = mnl_cb_run(buf, n, seq, portid, dump_one, &c);
		if (r == MNL_CB_STOP)
			return 0;
		if (r < 0) {
			if (c.ret)
				return c.ret;
			r = -errno;
			topo_err_set(err, "rtnetlink: %s", strerror(errno));
			return r;
		}
		if (!(req->nlmsg_flags & NLM_F_DUMP))
			return 0;
	}
}

int nl_dump(struct mnl_socket *nl, struct nlmsghdr *req, nl_dump_cb cb, void *data,
	    struct topo_err *err)
{
	req->nlmsg_flags |= NLM_F_DUMP;
	return run_request(nl, req, cb, data, err);
}

int nl_get(struct mnl_socket *nl, struct nlmsghdr *req, nl_dump_cb cb, void *data,
	   struct topo_err *err)
{
	return run_request(nl, req, cb, data, err);
}
