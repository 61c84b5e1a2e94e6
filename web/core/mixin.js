// Installs the methods (and accessors) of method-group classes on a class's prototype, so one
// object's behaviour can be written in one module per job without a call indirection.
export function installMethods(target, ...groups) {
  for (const group of groups) {
    for (const name of Object.getOwnPropertyNames(group.prototype)) {
      if (name === 'constructor') continue;
      if (Object.prototype.hasOwnProperty.call(target.prototype, name)) {
        throw new Error(`${target.name}.${name} is defined twice`);
      }
      Object.defineProperty(target.prototype, name, Object.getOwnPropertyDescriptor(group.prototype, name));
    }
  }
}
