/*
 * auth.c — the write credential and the listen rule (see auth.h).
 */
#include "auth.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "token.h"

bool auth_addr_is_loopback(const char *literal)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, literal, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, literal, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		       (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

bool auth_sockaddr_is_loopback(const struct sockaddr *sa)
{
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
		       (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && s6->sin6_addr.s6_addr[12] == 127);
	}
	return false;
}

bool auth_listen_ok(const char *addr, bool have_token, char *err, size_t errlen)
{
	if (have_token || auth_addr_is_loopback(addr))
		return true;
	snprintf(err, errlen,
		 "refusing to listen on %s without a token: beyond loopback, writes must carry "
		 "a credential (give --token-file FILE, or listen on 127.0.0.1)",
		 addr);
	return false;
}

bool auth_required(const struct auth_request *rq, const char *token, bool open_reads)
{
	bool read = strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;

	if (!token || !token[0])
		return false;
	if (!read)
		return true;
	if (rq->health)
		return false;
	return !(rq->client_loopback || open_reads);
}

bool auth_bearer_ok(const char *authorization, const char *token)
{
	const char *p;

	if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return false;
	p = authorization + 7;
	while (*p == ' ')
		p++;
	return token_equal(p, token);
}
