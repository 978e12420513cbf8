/* The version every binary reports (and the webhook User-Agent names). */
#ifndef GH_VERSION_H
#define GH_VERSION_H

#define GATEHOUSE_VERSION "0.1.0"

#endif
