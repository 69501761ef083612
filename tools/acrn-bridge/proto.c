/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <acrn/hsm.h>

#include "proto.h"

int bridge_proto_request_len(uint16_t op)
{
	switch (op) {
	case ACRN_HSM_CREATE_VM:
		return sizeof(struct acrn_vm_creation);
	case ACRN_HSM_DESTROY_VM:
	case ACRN_HSM_START_VM:
	case ACRN_HSM_PAUSE_VM:
	case ACRN_HSM_RESET_VM:
	case ACRN_HSM_CLEAR_VM_IOREQ:
	case ACRN_BRIDGE_OP_API_VERSION:
	case ACRN_BRIDGE_OP_NOP:
		return 0;
	case ACRN_HSM_SET_VCPU_REGS:
		return sizeof(struct acrn_vcpu_regs);
	case ACRN_HSM_INJECT_MSI:
		return sizeof(struct acrn_msi_entry);
	case ACRN_HSM_SET_IRQLINE:
	case ACRN_BRIDGE_OP_ALLOC_RAM:
		return sizeof(uint64_t);
	case ACRN_HSM_NOTIFY_REQUEST_FINISH:
		return sizeof(struct acrn_ioreq_notify);
	case ACRN_HSM_SET_MEMSEG:
	case ACRN_HSM_UNSET_MEMSEG:
		return sizeof(struct acrn_vm_memmap);
	case ACRN_HSM_IOEVENTFD:
		return sizeof(struct acrn_ioeventfd);
	case ACRN_HSM_IRQFD:
		return sizeof(struct acrn_irqfd);
	case ACRN_BRIDGE_OP_HELLO:
		return sizeof(uint32_t);
	default:
		return -ENOTTY;
	}
}

int bridge_proto_request_fd(uint16_t op)
{
	return op == ACRN_HSM_CREATE_VM || op == ACRN_HSM_IOEVENTFD || op == ACRN_HSM_IRQFD;
}

int bridge_proto_check(const struct acrn_bridge_msg *m, int fd)
{
	int len = bridge_proto_request_len(m->op);

	if (len < 0)
		return len;
	if (m->flags || m->len != (uint32_t)len)
		return -EINVAL;
	if (bridge_proto_request_fd(m->op) && fd < 0)
		return -EBADF;
	return 0;
}

int bridge_msg_send(int sock, const struct acrn_bridge_msg *m, const void *payload, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov[2] = { { (void *)m, sizeof(*m) }, { (void *)payload, m->len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = m->len ? 2 : 1 };
	size_t total = sizeof(*m) + m->len, sent = 0;
	ssize_t n;

	if (m->len > ACRN_BRIDGE_MSG_MAX || (m->len && !payload))
		return -EINVAL;
	if (fd >= 0) {
		struct cmsghdr *c;

		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	sent = (size_t)n;
	/* A short send: the rest goes without the descriptor. */
	while (sent < total) {
		const char *p = sent < sizeof(*m) ? (const char *)m + sent
		                                  : (const char *)payload + (sent - sizeof(*m));
		size_t left = sent < sizeof(*m) ? sizeof(*m) - sent : total - sent;

		n = send(sock, p, left, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		sent += (size_t)n;
	}
	return 0;
}

static int read_full(int sock, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(sock, (char *)buf + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		got += (size_t)n;
	}
	return 0;
}

int bridge_msg_recv(int sock, struct acrn_bridge_msg *m, void *payload, size_t max, int *fd)
{
	char cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr msg = { .msg_iov = &iov,
		              .msg_iovlen = 1,
		              .msg_control = cbuf,
		              .msg_controllen = sizeof(cbuf) };
	ssize_t n;
	int err;

	*fd = -1;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		size_t nfd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int f;

			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*fd < 0)
				*fd = f;
			else
				close(f); /* one descriptor per message */
		}
	}
	err = read_full(sock, (char *)m + n, sizeof(*m) - (size_t)n);
	if (!err && m->len > max)
		err = -EMSGSIZE;
	if (!err && m->len)
		err = read_full(sock, payload, m->len);
	if (err && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	return err;
}

int bridge_unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}
