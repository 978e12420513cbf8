"""`make install` and the production configuration samples."""

import os
import shutil
import subprocess
import tempfile

import pytest

from stack import REPO


def test_make_install_places_everything_and_the_installed_programs_run():
    dest = tempfile.mkdtemp(prefix="gh-install-", dir="/tmp")
    env = dict(os.environ)
    r = subprocess.run(["make", "-s", "install", "PREFIX=/usr/local", f"DESTDIR={dest}",
                        f"SAN={os.environ.get('SAN', '0')}"],
                       cwd=REPO, capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr
    root = dest + "/usr/local"
    for path in ["libexec/gatehouse/gatehouse.fcgi", "bin/gatehouse", "bin/gatehouse-worker",
                 "share/gatehouse/templates/layout.tpl", "share/gatehouse/static/gatehouse.css",
                 "share/gatehouse/conf/gatehouse.conf.sample",
                 "share/gatehouse/conf/fastcgi_gatehouse", "share/gatehouse/conf/gatehouse.service",
                 "share/gatehouse/conf/plans/t4-72h.json", "share/gatehouse/conf/prometheus/gatehouse-rules.yml",
                 "share/gatehouse/conf/prometheus/prometheus.yml"]:
        assert os.path.exists(os.path.join(root, path)), path
    v = subprocess.run([root + "/bin/gatehouse", "--version"], capture_output=True, text=True)
    assert v.returncode == 0 and v.stdout.startswith("gatehouse ")
    shutil.rmtree(dest)


def test_production_nginx_site_is_accepted_by_nginx():
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a throwaway certificate")
    d = tempfile.mkdtemp(prefix="gh-nginx-", dir="/tmp")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=gatehouse.test", "-keyout", f"{d}/key.pem", "-out", f"{d}/cert.pem"],
                   check=True, capture_output=True)
    with open(os.path.join(REPO, "conf/nginx/gatehouse.conf")) as f:
        site = f.read()
    # Point the sample's install paths at this checkout and the throwaway certificate.
    site = site.replace("/usr/local/share/gatehouse/conf/", f"{REPO}/conf/nginx/")
    site = site.replace("/usr/local/share/gatehouse/static", f"{REPO}/static")
    import re
    site = re.sub(r"ssl_certificate\s+[^;]+;", f"ssl_certificate {d}/cert.pem;", site)
    site = re.sub(r"ssl_certificate_key\s+[^;]+;", f"ssl_certificate_key {d}/key.pem;", site)
    site = re.sub(r"ssl_trusted_certificate\s+[^;]+;", "", site)
    with open(f"{d}/site.conf", "w") as f:
        f.write(site)
    with open(f"{d}/nginx.conf", "w") as f:
        f.write(f"pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\n"
                f"http {{ include /etc/nginx/mime.types; include {d}/site.conf; }}\n")
    r = subprocess.run(["nginx", "-t", "-c", f"{d}/nginx.conf", "-p", d, "-e", f"{d}/error.log"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    shutil.rmtree(d)


def test_systemd_units_verify():
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    d = tempfile.mkdtemp(prefix="gh-units-", dir="/tmp")
    for unit in ["gatehouse.service", "gatehouse-worker.service", "gatehouse-worker.timer"]:
        with open(os.path.join(REPO, "conf/systemd", unit)) as f:
            text = f.read()
        # The binaries are not installed here: verify the units' syntax with /bin/true.
        text = text.replace("/usr/local/libexec/gatehouse/gatehouse.fcgi", "/bin/true")
        text = text.replace("/usr/local/bin/gatehouse-worker", "/bin/true")
        with open(os.path.join(d, unit), "w") as f:
            f.write(text)
    r = subprocess.run(["systemd-analyze", "verify"] + [os.path.join(d, u) for u in os.listdir(d)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    shutil.rmtree(d)
