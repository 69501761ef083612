/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libvirt's RPC protocol: programs, procedure numbers, error codes and the
 * packet framing. Numbers are interface facts from libvirt's protocol
 * description (api/libvirt.md lists what acrnd serves).
 */
#ifndef ACRND_LIBVIRT_PROTO_H
#define ACRND_LIBVIRT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "xdr.h"

#define LV_PROG_REMOTE    0x20008086u
#define LV_PROG_KEEPALIVE 0x6b656570u /* "keep" */
#define LV_PROG_VERSION   1u

#define LV_PACKET_MAX     (32u << 20) /* not counting the length word */
#define LV_HEADER_LEN     24u
#define LV_LEN_WORD       4u
#define LV_DOMAINS_MAX    16384u
#define LV_SECLABEL_MAX   257u /* VIR_SECURITY_LABEL_BUFLEN */

enum lv_type {
	LV_CALL = 0,
	LV_REPLY = 1,
	LV_MESSAGE = 2,
	LV_STREAM = 3,
	LV_CALL_WITH_FDS = 4,
	LV_REPLY_WITH_FDS = 5,
	LV_STREAM_HOLE = 6,
};

enum lv_status {
	LV_OK = 0,
	LV_ERROR = 1,
	LV_CONTINUE = 2,
};

enum {
	LV_KEEPALIVE_PING = 1,
	LV_KEEPALIVE_PONG = 2,
};

/* REMOTE program procedures acrnd handles or names in its logs. */
enum lv_proc {
	LV_CONNECT_OPEN = 1,
	LV_CONNECT_CLOSE = 2,
	LV_CONNECT_GET_TYPE = 3,
	LV_CONNECT_GET_VERSION = 4,
	LV_CONNECT_GET_MAX_VCPUS = 5,
	LV_NODE_GET_INFO = 6,
	LV_CONNECT_GET_CAPABILITIES = 7,
	LV_DOMAIN_CREATE = 9,
	LV_DOMAIN_DEFINE_XML = 11,
	LV_DOMAIN_DESTROY = 12,
	LV_DOMAIN_GET_XML_DESC = 14,
	LV_DOMAIN_GET_AUTOSTART = 15,
	LV_DOMAIN_GET_INFO = 16,
	LV_DOMAIN_GET_MAX_MEMORY = 17,
	LV_DOMAIN_GET_MAX_VCPUS = 18,
	LV_DOMAIN_GET_OS_TYPE = 19,
	LV_CONNECT_LIST_DEFINED_DOMAINS = 21,
	LV_DOMAIN_LOOKUP_BY_ID = 22,
	LV_DOMAIN_LOOKUP_BY_NAME = 23,
	LV_DOMAIN_LOOKUP_BY_UUID = 24,
	LV_CONNECT_NUM_OF_DEFINED_DOMAINS = 25,
	LV_DOMAIN_REBOOT = 27,
	LV_DOMAIN_RESUME = 28,
	LV_DOMAIN_SET_AUTOSTART = 29,
	LV_DOMAIN_SHUTDOWN = 33,
	LV_DOMAIN_SUSPEND = 34,
	LV_DOMAIN_UNDEFINE = 35,
	LV_CONNECT_LIST_DOMAINS = 37,
	LV_CONNECT_NUM_OF_DOMAINS = 51,
	LV_CONNECT_GET_HOSTNAME = 59,
	LV_CONNECT_SUPPORTS_FEATURE = 60,
	LV_AUTH_LIST = 66,
	LV_CONNECT_GET_URI = 110,
	LV_NODE_GET_SECURITY_MODEL = 122,
	LV_CONNECT_IS_SECURE = 149,
	LV_DOMAIN_IS_ACTIVE = 150,
	LV_DOMAIN_IS_PERSISTENT = 151,
	LV_CONNECT_GET_LIB_VERSION = 157,
	LV_NODE_GET_FREE_MEMORY = 102,
	LV_DOMAIN_HAS_MANAGED_SAVE_IMAGE = 183,
	LV_DOMAIN_CREATE_WITH_FLAGS = 196,
	LV_DOMAIN_GET_VCPUS_FLAGS = 200,
	LV_DOMAIN_OPEN_CONSOLE = 201,
	LV_DOMAIN_IS_UPDATED = 202,
	LV_DOMAIN_GET_STATE = 212,
	LV_DOMAIN_UNDEFINE_FLAGS = 231,
	LV_DOMAIN_DESTROY_FLAGS = 234,
	LV_DOMAIN_RESET = 245,
	LV_DOMAIN_SHUTDOWN_FLAGS = 258,
	LV_DOMAIN_PM_SUSPEND_FOR_DURATION = 261,
	LV_DOMAIN_PM_WAKEUP = 267,
	LV_CONNECT_LIST_ALL_DOMAINS = 273,
	LV_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY = 316,
	LV_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY = 317,
	LV_DOMAIN_EVENT_CALLBACK_LIFECYCLE = 318,
	LV_DOMAIN_EVENT_CALLBACK_REBOOT = 319,
	LV_DOMAIN_EVENT_CALLBACK_RTC_CHANGE = 320,
	LV_CONNECT_GET_DOMAIN_CAPABILITIES = 342,
	LV_DOMAIN_DEFINE_XML_FLAGS = 350,
	LV_CONNECT_REGISTER_CLOSE_CALLBACK = 360,
	LV_CONNECT_UNREGISTER_CLOSE_CALLBACK = 361,
	LV_DOMAIN_GET_MESSAGES = 426,
};

/* virErrorNumber values acrnd sends. */
enum lv_err {
	LV_ERR_INTERNAL = 1,
	LV_ERR_NO_SUPPORT = 3,
	LV_ERR_INVALID_ARG = 8,
	LV_ERR_OPERATION_FAILED = 9,
	LV_ERR_XML_ERROR = 27,
	LV_ERR_OPERATION_DENIED = 29,
	LV_ERR_RPC = 39,
	LV_ERR_NO_DOMAIN = 42,
	LV_ERR_AUTH_FAILED = 45,
	LV_ERR_OPERATION_INVALID = 55,
	LV_ERR_OPERATION_UNSUPPORTED = 84,
};

/* virErrorDomain values. */
enum {
	LV_FROM_RPC = 7,
	LV_FROM_REMOTE = 13,
	LV_FROM_DOMAIN = 20,
};

struct lv_header {
	uint32_t prog, vers;
	int32_t proc, type;
	uint32_t serial;
	int32_t status;
};

/*
 * The packet length from its first 4 bytes: 0 and *@len (the whole packet,
 * length word included), or -EBADMSG below a header, -EMSGSIZE above LV_PACKET_MAX.
 */
int lv_packet_length(const uint8_t word[4], size_t *len);
int lv_header_decode(struct lv_in *in, struct lv_header *h);
/* Start a packet in @b (emptied): the length word, patched by lv_packet_end, and @h. */
void lv_packet_begin(GByteArray *b, const struct lv_header *h);
/* 0, or -EMSGSIZE if the packet grew over LV_PACKET_MAX. */
int lv_packet_end(GByteArray *b);

#endif
