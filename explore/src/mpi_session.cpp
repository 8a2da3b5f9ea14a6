#include "nce/explore/mpi_session.hpp"

#include <mpi.h>

#include <cstdlib>
#include <exception>
#include <stdexcept>

namespace nce::explore {
namespace {

constexpr int kTagIndex = 100;

int environment_int(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::atoi(value) : fallback;
}

void check(int code, const char* what) {
  if (code != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

}  // namespace

bool launched_by_mpirun() { return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr; }
int rank_from_environment() { return environment_int("OMPI_COMM_WORLD_RANK", 0); }
int ranks_on_this_node() { return launched_by_mpirun() ? std::max(1, environment_int("OMPI_COMM_WORLD_LOCAL_SIZE", 1)) : 1; }

MpiSession::MpiSession() {
  if (!launched_by_mpirun()) return;
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  active_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
  if (!active_) return;
  if (std::uncaught_exceptions() > 0 && size_ > 1) MPI_Abort(MPI_COMM_WORLD, 2);
  MPI_Finalize();
}

void MpiSession::finalize() {
  if (!active_) return;
  MPI_Finalize();
  active_ = false;
}

bool MpiSession::broadcast_go(bool go) const {
  if (!active_) return go;
  int flag = go ? 1 : 0;
  check(MPI_Bcast(&flag, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
  return flag == 1;
}

void MpiSession::send_text(int to, int tag, const std::string& text) const {
  check(MPI_Send(text.data(), int(text.size()), MPI_CHAR, to, tag, MPI_COMM_WORLD), "MPI_Send");
}

std::string MpiSession::receive_text(int from, int tag) const {
  MPI_Status status;
  check(MPI_Probe(from, tag, MPI_COMM_WORLD, &status), "MPI_Probe");
  int count = 0;
  MPI_Get_count(&status, MPI_CHAR, &count);
  std::string text(std::size_t(count), '\0');
  check(MPI_Recv(text.data(), count, MPI_CHAR, status.MPI_SOURCE, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
  return text;
}

bool MpiSession::poll_text(int tag, std::string& text, int& from) const {
  int flag = 0;
  MPI_Status status;
  check(MPI_Iprobe(MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, &flag, &status), "MPI_Iprobe");
  if (!flag) return false;
  from = status.MPI_SOURCE;
  text = receive_text(from, tag);
  return true;
}

void MpiSession::send_index(int to, long long index) const {
  check(MPI_Send(&index, 1, MPI_LONG_LONG, to, kTagIndex, MPI_COMM_WORLD), "MPI_Send");
}

long long MpiSession::receive_index(int from) const {
  long long index = -1;
  check(MPI_Recv(&index, 1, MPI_LONG_LONG, from, kTagIndex, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
  return index;
}

}  // namespace nce::explore
