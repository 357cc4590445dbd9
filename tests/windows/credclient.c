/* A container-credentials client for the `exec --server` test under Wine (Wine has no curl):
 * run by otpilot.exe as its child, it asks the endpoint named by
 * %AWS_CONTAINER_CREDENTIALS_FULL_URI% once without the token and once with
 * %AWS_CONTAINER_AUTHORIZATION_TOKEN%, as the SDKs do, prints what it saw and exits with
 * the code given as its argument (to show the code passes through). Test code only. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One GET of `path`; the status line into `status`, the body into `body`. */
static int get(const char *host, int port, const char *path, const char *token, char *status,
               char *body, size_t size) {
  SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((u_short)port);
  if (s == INVALID_SOCKET || inet_pton(AF_INET, host, &addr.sin_addr) != 1 ||
      connect(s, (struct sockaddr *)&addr, sizeof addr) != 0)
    return -1;
  char request[2048];
  int n = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s:%d\r\n%s%s%s\r\n", path,
                   host, port, token ? "Authorization: " : "", token ? token : "",
                   token ? "\r\n" : "");
  if (send(s, request, n, 0) != n) return -1;
  static char answer[16384];
  int got = 0, r;
  while (got < (int)sizeof answer - 1 && (r = recv(s, answer + got, sizeof answer - 1 - got, 0)) > 0)
    got += r;
  answer[got] = 0;
  closesocket(s);
  char *eol = strstr(answer, "\r\n");
  char *start = strstr(answer, "\r\n\r\n");
  if (!eol || !start) return -1;
  snprintf(status, 128, "%.*s", (int)(eol - answer), answer);
  snprintf(body, size, "%s", start + 4);
  return 0;
}

int main(int argc, char **argv) {
  const char *url = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  const char *token = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  if (!url || !token) {
    fprintf(stderr, "credclient: no endpoint in the environment\n");
    return 90;
  }
  char host[64], path[512];
  int port;
  if (sscanf(url, "http://%63[^:]:%d%511s", host, &port, path) != 3) {
    fprintf(stderr, "credclient: cannot read the URL %s\n", url);
    return 91;
  }
  WSADATA wsa;
  if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) return 92;
  char status[128], body[16384];
  printf("host %s\n", host);
  if (get(host, port, path, NULL, status, body, sizeof body) != 0) return 93;
  printf("without the token: %s\n", status);
  if (get(host, port, path, token, status, body, sizeof body) != 0) return 94;
  printf("with the token: %s\n", status);
  printf("%s\n", body);
  fflush(stdout);
  return argc > 1 ? atoi(argv[1]) : 0;
}
