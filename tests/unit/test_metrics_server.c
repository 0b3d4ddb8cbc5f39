// SPDX-License-Identifier: GPL-2.0
/* --listen's address: what it takes, where it defaults, and how it says no. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include "user/metrics_server.h"

static int parse(const char *text, struct sockaddr_storage *ss, char *err)
{
	socklen_t len;

	return metrics_server__parse_addr(text, ss, &len, err, 256);
}

static void expect_v4(const char *text, const char *addr, int port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;
	char err[256] = "", got[INET_ADDRSTRLEN];

	cr_assert_eq(parse(text, &ss, err), 0, "%s: %s", text, err);
	cr_assert_eq(ss.ss_family, AF_INET, "%s", text);
	inet_ntop(AF_INET, &a->sin_addr, got, sizeof(got));
	cr_expect_str_eq(got, addr, "%s", text);
	cr_expect_eq(ntohs(a->sin_port), port, "%s", text);
}

Test(metrics_server, takes_addr_port_and_defaults_to_loopback)
{
	expect_v4("127.0.0.1:9464", "127.0.0.1", 9464);
	expect_v4("0.0.0.0:0", "0.0.0.0", 0);
	expect_v4(":9464", "127.0.0.1", 9464);
	expect_v4("9464", "127.0.0.1", 9464);
	expect_v4("198.18.0.1:65535", "198.18.0.1", 65535);
}

Test(metrics_server, takes_bracketed_ipv6)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
	char err[256] = "";

	cr_assert_eq(parse("[::1]:9464", &ss, err), 0, "%s", err);
	cr_assert_eq(ss.ss_family, AF_INET6);
	cr_expect(IN6_IS_ADDR_LOOPBACK(&a->sin6_addr));
	cr_expect_eq(ntohs(a->sin6_port), 9464);
}

Test(metrics_server, refuses_with_a_line_naming_the_problem)
{
	static const struct {
		const char *text, *says;
	} bad[] = {
	    {"127.0.0.1:99999", "no port from 0 to 65535"},
	    {"127.0.0.1:", "no port"},
	    {"127.0.0.1:http", "no port"},
	    {"", "no port"},
	    {"localhost:9464", "not a numeric IP address"},
	    {"[::1]9464", "not [IPV6]:PORT"},
	    {"[::1:9464", "not [IPV6]:PORT"},
	    {"300.1.1.1:80", "not a numeric IP address"},
	};
	struct sockaddr_storage ss;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[256] = "";

		cr_expect_neq(parse(bad[i].text, &ss, err), 0, "'%s' is refused", bad[i].text);
		cr_expect(strstr(err, "--listen") && strstr(err, bad[i].says), "'%s': %s",
			  bad[i].text, err);
	}
}

Test(metrics_server, bucket_choices)
{
	enum openmetrics_buckets b;
	char err[256] = "";

	cr_assert_eq(metrics_server__parse_buckets("log2", &b, err, sizeof(err)), 0);
	cr_expect_eq(b, OPENMETRICS_LOG2);
	cr_assert_eq(metrics_server__parse_buckets("sub", &b, err, sizeof(err)), 0);
	cr_expect_eq(b, OPENMETRICS_SUB);
	cr_expect_neq(metrics_server__parse_buckets("fine", &b, err, sizeof(err)), 0);
	cr_expect(strstr(err, "--metrics-buckets") && strstr(err, "'fine'"), "%s", err);
}
