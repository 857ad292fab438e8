#include "monit_command.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <clocale>
#include <ctime>
#include <string>
#include <vector>

#include <curses.h>
#include <fmt/format.h>

#include "cohort_home.h"
#include "control_commands.h"
#include "monit_view.h"
#include "process_spawner.h"
#include "unique_fd.h"

extern char** environ;

namespace cohort {
namespace {

// A reload or restart runs as its own `cohort reload NAME` process, so the
// screen never waits for it, and quitting leaves it to finish.
class Action {
 public:
  bool busy() const { return pid_ > 0; }
  const std::string& message() const { return message_; }

  void Start(const std::string& command, const std::string& app) {
    if (busy()) {
      message_ = fmt::format("{} is still running; wait for it", what_);
      return;
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      message_ = "cannot start: " + Status::FromErrno("pipe").message();
      return;
    }
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    ::fcntl(read_end.get(), F_SETFL, O_NONBLOCK);
    SpawnSpec spec;
    spec.file = "/proc/self/exe";
    spec.argv = {"cohort", command, app};
    for (char** e = environ; *e; ++e) spec.env.emplace_back(*e);
    spec.stdout_fd = spec.stderr_fd = write_end.get();
    Result<pid_t> pid = Spawn(spec);
    if (!pid.ok()) {
      message_ = fmt::format("cannot run cohort {} {}: {}", command, app, pid.status().message());
      return;
    }
    pid_ = *pid;
    output_ = std::move(read_end);
    text_.clear();
    what_ = fmt::format("{} of {}", command, app);
    message_ = what_ + "...";
  }

  // True when the action just finished (the figures should be read again).
  bool Poll() {
    if (!busy()) return false;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(output_.get(), buf, sizeof buf)) > 0) text_.append(buf, static_cast<size_t>(n));
    int status;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
    while ((n = ::read(output_.get(), buf, sizeof buf)) > 0) text_.append(buf, static_cast<size_t>(n));
    pid_ = 0;
    output_.reset();
    while (!text_.empty() && text_.back() == '\n') text_.pop_back();
    std::string last = text_.substr(text_.rfind('\n') == std::string::npos ? 0 : text_.rfind('\n') + 1);
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    message_ = ok ? last : fmt::format("{} failed: {}", what_, last.empty() ? "no output" : last);
    return true;
  }

 private:
  pid_t pid_ = 0;
  UniqueFd output_;
  std::string text_, what_, message_;
};

std::string Clock() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

void Draw(const std::vector<MonitView::Line>& lines) {
  erase();
  for (int y = 0; y < static_cast<int>(lines.size()) && y < LINES; ++y) {
    const MonitView::Line& l = lines[static_cast<size_t>(y)];
    int attr = (l.selected ? A_REVERSE : 0) | (l.heading ? A_BOLD : 0);
    if (attr) attron(attr);
    mvaddnstr(y, 0, l.text.c_str(), COLS);
    if (attr) attroff(attr);
  }
  refresh();
}

}  // namespace

int MonitCommand() {
  Result<std::string> home = CohortHome();
  if (!home.ok()) return Fail(home.status().message());
  if (!::isatty(STDIN_FILENO) || !::isatty(STDOUT_FILENO)) {
    return Fail("monit needs a terminal (in scripts, use `cohort ls --json`)");
  }
  std::setlocale(LC_ALL, "");
  SCREEN* screen = newterm(nullptr, stdout, stdin);
  if (!screen) return Fail(fmt::format("cannot drive the terminal (TERM={})", std::getenv("TERM") ? std::getenv("TERM") : ""));
  cbreak();
  noecho();
  keypad(stdscr, TRUE);
  curs_set(0);
  timeout(200);  // keys answer at once; the figures are read once a second
  MonitView view;
  Action action;
  std::string clock;
  auto last_read = std::chrono::steady_clock::time_point{};
  for (bool quit = false; !quit;) {
    auto now = std::chrono::steady_clock::now();
    if (action.Poll() || now - last_read >= std::chrono::seconds(1)) {
      view.SetApps(ListApps(*home));
      clock = Clock();
      last_read = now;
    }
    Draw(view.Render(COLS, LINES, action.message(), clock));
    int key = getch();
    switch (key) {
      case 'q':
        quit = true;
        break;
      case KEY_UP:
      case 'k':
        view.Move(-1);
        break;
      case KEY_DOWN:
      case 'j':
        view.Move(1);
        break;
      case 'r':
      case 'R':
        if (std::optional<std::string> app = view.selected()) action.Start(key == 'r' ? "reload" : "restart", *app);
        break;
      default:
        break;  // a timeout, a resize: redraw
    }
  }
  endwin();
  delscreen(screen);
  return 0;
}

}  // namespace cohort
