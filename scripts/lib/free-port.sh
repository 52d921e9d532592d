# Sourced by the scripts that start servers: free_port prints a TCP port on 127.0.0.1 that nothing listens on now.
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
